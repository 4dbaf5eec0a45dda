'use strict'
// make_obsidian through a real bot on the flat world: lava pools and lakes of the shapes the generator makes
// (at the surface, on open ground, a 3x3 pool, a pool below the floor, a lake behind a stone wall); the bot
// pours water next to a lava source, gets the water back and never stands in or over lava. Scenes are
// fixtures set on the server.
const assert = require('node:assert/strict')
const { worldTest, flatScene, run, clearInventory, giveFixture, setBlockFixture, parseSkill, inventoryCounts, waitFor, Vec3 } = require('../lib/test_world')
const { SkillInputError } = require('../lib/errors')

worldTest('make_obsidian on the flat world', { timeout: 300000, world: 'flat', username: 'obsidian', exitAfter: true }, async (t, { serv, bot }) => {
  const { origin, serverName, scene } = flatScene(serv, bot)

  await t.test('targets', () => {
    parseSkill('make_obsidian', {}, bot.registry)
    assert.throws(() => parseSkill('make_obsidian:lava', {}, bot.registry), e => e instanceof SkillInputError)
  })

  await t.test('without a water bucket it fails missing_items at once', async () => {
    await clearInventory(serv, bot)
    const r = await run(bot, 'make_obsidian', {}, { deadlineMs: 10000 })
    assert.equal(r.error?.kind, 'missing_items')
    assert.match(r.error.message, /water_bucket/)
  })

  await t.test('make_obsidian on a lava pool surface: a block to pour against, obsidian, the water back', async () => {
    await giveFixture(serv, bot, 'dirt', 4, 5)
    await giveFixture(serv, bot, 'water_bucket', 1, 1)
    const lava = origin.offset(-6, -1, -3)
    await scene(lava, 'lava')
    const r = await run(bot, 'make_obsidian', {}, { deadlineMs: 60000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.equal(await serverName(lava), 'obsidian')
    assert.deepEqual(r.detail.obsidian, { x: lava.x, y: lava.y, z: lava.z })
    assert.equal(r.detail.water_recovered, true)
    assert.deepEqual(r.inventory_delta, { dirt: -1 })
    assert.equal(inventoryCounts(bot).water_bucket, 1)
  })

  await t.test('make_obsidian with lava on open ground pours beside it', async () => {
    const lava = origin.offset(-3, 0, 6)
    await scene(lava, 'lava')
    const r = await run(bot, 'make_obsidian', {}, { deadlineMs: 60000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.equal(await serverName(lava), 'obsidian')
    assert.equal(r.detail.water_recovered, true)
    assert.equal(r.detail.placed_block, null)
    assert.deepEqual(r.inventory_delta, {})
    // no water left anywhere around it
    for (let dx = -1; dx <= 1; dx++) for (let dz = -1; dz <= 1; dz++) assert.notEqual(await serverName(lava.offset(dx, 0, dz)), 'water')
  })

  await t.test('make_obsidian at a 3x3 lava pool turns an edge source into obsidian', async () => {
    const corner = origin.offset(-8, -1, 4)
    for (let dx = 0; dx < 3; dx++) for (let dz = 0; dz < 3; dz++) await setBlockFixture(serv, corner.offset(dx, 0, dz), 'lava')
    await waitFor(() => bot.blockAt(corner.offset(2, 0, 2))?.name === 'lava', 5000, 'the pool')
    const r = await run(bot, 'make_obsidian', {}, { deadlineMs: 60000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    const o = r.detail.obsidian
    assert.equal(await serverName(new Vec3(o.x, o.y, o.z)), 'obsidian')
    assert.equal(r.detail.water_recovered, true)
    assert.equal(inventoryCounts(bot).water_bucket, 1)
  })

  // Lakes as the generator makes them at depth: the lava surface below the floor around it, or behind rock.
  async function clearLava () {
    for (let dx = -16; dx <= 16; dx++) {
      for (let dz = -16; dz <= 16; dz++) {
        for (let y = origin.y - 4; y <= origin.y + 2; y++) {
          const pos = new Vec3(origin.x + dx, y, origin.z + dz)
          if (await serverName(pos) === 'lava') await setBlockFixture(serv, pos, 'stone')
        }
      }
    }
  }
  async function fill (from, to, name) {
    for (let x = from.x; x <= to.x; x++) {
      for (let y = from.y; y <= to.y; y++) for (let z = from.z; z <= to.z; z++) await setBlockFixture(serv, new Vec3(x, y, z), name)
    }
    await waitFor(() => bot.blockAt(to)?.name === name, 5000, `${name} at ${to}`)
  }
  /** Watch the bot while `run` goes: its feet and the block under them are never lava, it takes no damage. */
  async function watched (running) {
    const unsafe = []
    const check = () => {
      const feet = bot.entity.position.floored()
      for (const p of [feet, feet.offset(0, -1, 0)]) if (bot.blockAt(p)?.name === 'lava') unsafe.push(p.toString())
    }
    bot.on('move', check)
    try {
      return { r: await running, unsafe }
    } finally {
      bot.removeListener('move', check)
    }
  }

  await t.test('make_obsidian at a 5x5 lava pool one block below the floor, then mine:obsidian gets it', { timeout: 90000 }, async () => {
    await clearLava()
    await clearInventory(serv, bot)
    await giveFixture(serv, bot, 'water_bucket', 1, 0)
    await giveFixture(serv, bot, 'diamond_pickaxe', 1, 1)
    await giveFixture(serv, bot, 'cobblestone', 16, 2)
    const a = origin.offset(2, -2, -10)
    const b = origin.offset(6, -2, -6)
    await fill(a.offset(0, 1, 0), b.offset(0, 1, 0), 'air') // the pool's surface is one block below the floor
    await fill(a, b, 'lava')
    const health = bot.health
    const { r, unsafe } = await watched(run(bot, 'make_obsidian', {}, { deadlineMs: 80000 }))
    assert.ok(r.ok, JSON.stringify(r.error))
    const o = new Vec3(r.detail.obsidian.x, r.detail.obsidian.y, r.detail.obsidian.z)
    assert.equal(await serverName(o), 'obsidian')
    assert.ok(o.x >= a.x && o.x <= b.x && o.z >= a.z && o.z <= b.z && o.y === a.y, `obsidian at ${o} is in the pool`)
    assert.equal(r.detail.water_recovered, true)
    assert.equal(inventoryCounts(bot).water_bucket, 1)
    assert.equal(inventoryCounts(bot).bucket, undefined)
    assert.deepEqual(unsafe, [])
    assert.equal(bot.health, health)
    // what the expert does next: the obsidian is within reach of a plain mine
    const m = await run(bot, 'mine:obsidian', {}, { deadlineMs: 40000 })
    assert.ok(m.ok, JSON.stringify(m.error))
    assert.equal(m.inventory_delta.obsidian, 1)
  })

  await t.test('make_obsidian at a lava lake behind a 1-block stone wall digs through it', { timeout: 90000 }, async () => {
    await clearLava()
    const a = origin.offset(-10, -1, 6)
    const b = origin.offset(-6, -1, 10)
    await fill(a.offset(-1, 0, -1), b.offset(1, 3, 1), 'stone') // a wall ring four blocks high around the lake
    await fill(a, b, 'lava')
    await fill(a.offset(0, 1, 0), b.offset(0, 3, 0), 'air')
    const health = bot.health
    const { r, unsafe } = await watched(run(bot, 'make_obsidian', {}, { deadlineMs: 80000 }))
    assert.ok(r.ok, JSON.stringify(r.error))
    const o = new Vec3(r.detail.obsidian.x, r.detail.obsidian.y, r.detail.obsidian.z)
    assert.equal(await serverName(o), 'obsidian')
    assert.ok(o.x >= a.x && o.x <= b.x && o.z >= a.z && o.z <= b.z, `obsidian at ${o} is in the lake`)
    assert.ok(r.detail.dug >= 1, 'the wall was dug')
    assert.equal(r.detail.water_recovered, true)
    assert.equal(inventoryCounts(bot).water_bucket, 1)
    assert.deepEqual(unsafe, [])
    assert.equal(bot.health, health)
    // a second call makes another one
    const again = await run(bot, 'make_obsidian', {}, { deadlineMs: 60000 })
    assert.ok(again.ok, JSON.stringify(again.error))
    assert.notDeepEqual(again.detail.obsidian, r.detail.obsidian)
    assert.equal(await serverName(new Vec3(again.detail.obsidian.x, again.detail.obsidian.y, again.detail.obsidian.z)), 'obsidian')
    assert.equal(inventoryCounts(bot).water_bucket, 1)
    await clearLava()
  })
})
