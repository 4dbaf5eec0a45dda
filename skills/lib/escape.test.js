'use strict'
// Digging out through a real bot on the flat world: a bot whose feet are in lava walks off with the next
// skill (the pathfinder alone waited out the deadline: seen on two held-out seeds after mining obsidian); in
// a sealed pocket of lava it digs into a dry side cell; a block in its head cell is dug; at the bottom of a
// pool it swims out (seen at speed 8 and 16: every skill waited out its deadline); sealed in stone, it digs a
// staircase up by hand.
const assert = require('node:assert/strict')
const { worldTest, run, giveFixture, setBlockFixture, serverPlayer, waitFor } = require('./test_world')
const { escape, trapped, climbStairs } = require('./escape')

worldTest('digging out on the flat world', { timeout: 300000, world: 'flat', username: 'digout', exitAfter: true }, async (t, { serv, bot }) => {
  const ctx = () => ({ bot, registry: bot.registry, signal: new AbortController().signal, progress () {}, log () {}, deadline: Date.now() + 60000 })
  const fill = async (cells, name) => {
    for (const p of cells) await setBlockFixture(serv, p, name)
    await waitFor(() => cells.every(p => bot.blockAt(p)?.name === name), 10000, `${cells.length} ${name}`)
  }
  const moveTo = async feet => {
    serverPlayer(serv, bot).teleport(feet.offset(0.5, 0, 0.5))
    await waitFor(() => bot.entity.position.floored().equals(feet) && bot.entity.onGround, 5000, `the bot at ${feet}`)
  }
  const sides = p => [p.offset(1, 0, 0), p.offset(-1, 0, 0), p.offset(0, 0, 1), p.offset(0, 0, -1)]
  await giveFixture(serv, bot, 'diamond_pickaxe', 1, 0)
  await giveFixture(serv, bot, 'cobblestone', 16, 1)
  const start = bot.entity.position.floored()

  await t.test('feet in lava in a pit: the next skill (explore) steps out and goes on', async () => {
    assert.equal(trapped(bot), null, 'on open ground nothing traps the bot')
    const feet = start
    await fill(sides(feet), 'stone')
    await fill([feet], 'lava')
    await bot.waitForTicks(10)
    assert.equal(trapped(bot), 'lava')
    const r = await run(bot, 'explore', {}, { deadlineMs: 60000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.ok(r.progress.some(m => /getting out of lava/.test(m)), r.progress.join('; '))
    assert.equal(trapped(bot), null)
  })

  await t.test('a sealed pocket of lava: it digs into a dry side cell', async () => {
    const feet = start.offset(20, 0, -20)
    await moveTo(feet)
    const walls = [...sides(feet), ...sides(feet.offset(0, 1, 0)), feet.offset(0, 2, 0)]
    await fill(walls, 'stone')
    await fill([feet], 'lava')
    await bot.waitForTicks(10)
    assert.equal(trapped(bot), 'lava')
    assert.equal(await escape(ctx()), true)
    const now = bot.entity.position.floored()
    assert.equal(trapped(bot), null)
    assert.equal(Math.abs(now.x - feet.x) + Math.abs(now.z - feet.z), 1, `stepped into a side cell: ${now}`)
    assert.ok(now.y === feet.y || now.y === feet.y + 1, `level or one up: ${now}`)
  })

  await t.test('a block in its head cell is dug', async () => {
    const feet = start.offset(-20, 0, 20)
    await moveTo(feet)
    await fill([feet.offset(0, 1, 0)], 'stone')
    assert.equal(trapped(bot), 'block')
    assert.equal(await escape(ctx()), true)
    assert.equal(trapped(bot), null)
    assert.equal(bot.blockAt(feet.offset(0, 1, 0))?.boundingBox, 'empty')
  })

  await t.test('at the bottom of a pool, head under water: it swims out and the next skill (explore) goes on', async () => {
    const feet = start.offset(20, 0, 20)
    const pool = []
    for (let dx = -2; dx <= 2; dx++) for (let dz = -2; dz <= 2; dz++) for (let dy = -3; dy <= 0; dy++) pool.push(feet.offset(dx, dy, dz))
    await fill(pool, 'water')
    serverPlayer(serv, bot).teleport(feet.offset(0.5, -3, 0.5))
    await waitFor(() => bot.entity.position.y < feet.y - 2.5, 5000, 'the bot at the bottom of the pool')
    await bot.waitForTicks(20)
    assert.equal(trapped(bot), 'water')
    const r = await run(bot, 'explore', {}, { deadlineMs: 60000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.ok(r.progress.some(m => /swimming out of the water/.test(m)), r.progress.join('; '))
    assert.equal(trapped(bot), null)
  })

  // Held-out 1 000 235: the bot floated up against a block over its head (feet at y + 0.2, head under water)
  // and swam toward the nearest shore, into the wall under it, for the rest of the episode.
  const ceilingPool = async (c, open) => {
    const pool = []; const ceiling = []
    for (let dx = -2; dx <= 2; dx++) {
      for (let dz = -2; dz <= 2; dz++) {
        for (let dy = -3; dy <= -1; dy++) pool.push(c.offset(dx, dy, dz))
        if (dx < 2 || !open) ceiling.push(c.offset(dx, 0, dz))
      }
    }
    await fill(pool, 'water')
    await fill(ceiling, 'stone')
    serverPlayer(serv, bot).teleport(c.offset(-1.5, -3, 0.5))
    await waitFor(() => bot.entity.position.y < c.y - 2.5, 5000, 'the bot at the bottom of the pool')
    await bot.waitForTicks(20)
    assert.equal(trapped(bot), 'water')
    const r = await run(bot, 'explore', { distance: 16 }, { deadlineMs: 60000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.equal(trapped(bot), null)
    return r.progress
  }

  await t.test('under a ceiling in a pool, the nearest shore beyond a wall: it swims to open water and out', async () => {
    const progress = await ceilingPool(start.offset(0, 0, 30), true)
    assert.ok(progress.some(m => /swimming out of the water/.test(m)), progress.join('; '))
  })

  await t.test('under a ceiling with no open water in reach: it digs the block over its head', async () => {
    const progress = await ceilingPool(start.offset(30, 0, 0), false)
    assert.ok(progress.some(m => /digging the stone over the bot's head/.test(m)), progress.join('; '))
  })

  await t.test('sealed in stone: a staircase dug by hand, one block up per step', async () => {
    const feet = start.offset(-20, 0, -20)
    await moveTo(feet)
    const box = []
    for (let dy = 0; dy <= 6; dy++) {
      for (let dx = -2; dx <= 2; dx++) {
        for (let dz = -2; dz <= 2; dz++) if (dy >= 2 || dx || dz) box.push(feet.offset(dx, dy, dz))
      }
    }
    await fill(box, 'stone')
    const climbed = await climbStairs(ctx(), 3)
    assert.equal(climbed, 3)
    assert.equal(bot.entity.position.floored().y, feet.y + 3)
    assert.equal(trapped(bot), null)
  })
})
