'use strict'
// dig_down:<y> through a real bot: on the seeded survival world (a staircase from spawn to y=40 that can be
// walked back up without digging) and on the flat stage with lava and caves placed around the path (the
// staircase steers around lava, or stops, and never opens it; it bridges gaps and walks down into pits).
const test = require('node:test')
const assert = require('node:assert/strict')
const { worldTest, offlineRegistry, run, clearInventory, assertStopped, giveFixture, setBlockFixture, serverPlayer, waitFor, parseSkill, Vec3, assertRefused } = require('../lib/test_world')
const { SkillError } = require('../lib/errors')
const { Movements, goals } = require('../lib/pathing')

const SEED = Number(process.env.SKILL_TEST_SEED || 3)

/** Walk to `pos` with a pathfinder that may neither dig nor place blocks: only the staircase itself. */
async function walkWithoutDigging (bot, pos, timeoutMs) {
  const m = new Movements(bot)
  m.canDig = false
  m.allow1by1towers = false
  m.allowParkour = false
  m.scafoldingBlocks = []
  const old = bot.pathfinder.movements
  bot.pathfinder.setMovements(m)
  const timer = setTimeout(() => bot.pathfinder.stop(), timeoutMs)
  try {
    await bot.pathfinder.goto(new goals.GoalBlock(pos.x, pos.y, pos.z))
  } finally {
    clearTimeout(timer)
    bot.pathfinder.setMovements(old)
  }
}

/** Every placed lava block is still lava and none of its neighbours was dug open. */
function assertLavaSealed (bot, lava) {
  const sides = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]
  const isLava = new Set(lava.map(p => p.toString()))
  for (const p of lava) {
    assert.equal(bot.blockAt(p)?.name, 'lava', `lava at ${p}`)
    for (const [dx, dy, dz] of sides) {
      const q = p.offset(dx, dy, dz)
      if (isLava.has(q.toString())) continue
      const b = bot.blockAt(q)
      assert.notEqual(b?.boundingBox, 'empty', `${q} next to lava at ${p} was dug open (${b?.name})`)
    }
  }
}

test('bad dig_down tokens are refused', async () => {
  const registry = offlineRegistry()
  assertRefused(registry, ['dig_down', 'dig_down:abc', 'dig_down:4.5', 'dig_down:-65', 'dig_down:321', 'dig_down:1e2'], 'unknown_skill')
  assert.equal(parseSkill('dig_down:-58', {}, registry).target, -58)
})

worldTest('dig_down in the survival world', { timeout: 240000, seed: SEED, username: 'digger' }, async (t, { serv, bot }) => {

  await t.test('dig_down without a pickaxe fails missing_tool', async () => {
    await clearInventory(serv, bot)
    const r = await run(bot, 'dig_down:40', {}, { deadlineMs: 10000 })
    assert.equal(r.error?.kind, 'missing_tool', JSON.stringify(r.error))
  })

  await t.test('dig_down:40 with a stone pickaxe reaches y<=40 by a staircase that walks back up', async () => {
    await giveFixture(serv, bot, 'stone_pickaxe', 1, 0)
    const start = bot.entity.position.floored()
    const r = await run(bot, 'dig_down:40', {}, { deadlineMs: 150000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.ok(Math.floor(bot.entity.position.y) <= 40, `y=${bot.entity.position.y}`)
    assert.equal(r.detail.y, Math.floor(bot.entity.position.y))
    assert.ok(r.detail.steps >= start.y - 40, JSON.stringify(r.detail))
    assert.ok(r.progress.some(m => /staircase at y=/.test(m)))
    assert.ok((r.inventory_delta.cobblestone || 0) > 0, JSON.stringify(r.inventory_delta))
    // back up the same staircase with a pathfinder that may not dig or build
    await walkWithoutDigging(bot, start, 60000)
    assert.ok(bot.entity.position.floored().equals(start), `back at ${bot.entity.position.floored()}, start ${start}`)
    // already there: nothing to dig
    const again = await run(bot, `dig_down:${start.y + 5}`)
    assert.ok(again.ok && again.detail.already_there, JSON.stringify(again))
    // an abort stops a new staircase (kind cancelled) and the bot with it
    const controller = new AbortController()
    setTimeout(() => controller.abort(new SkillError('cancelled', 'stop digging')), 1500)
    const c = await run(bot, 'dig_down:-50', {}, { controller, deadlineMs: 60000 })
    assert.equal(c.error?.kind, 'cancelled', JSON.stringify(c.error))
    await assertStopped(bot)
  })
})

worldTest('dig_down steers around lava and stops before opening it (flat stage)', { timeout: 150000, seed: 1, world: 'flat', username: 'lavadigger' }, async (t, { serv, bot }) => {
  await giveFixture(serv, bot, 'iron_pickaxe', 1, 0)
  await giveFixture(serv, bot, 'cobblestone', 16, 1)

  await t.test('lava two steps ahead in three directions: the staircase takes the fourth', async () => {
    const s = bot.entity.position.floored() // flat stage: grass at y=63, feet at 64
    const lava = []
    for (const d of [new Vec3(1, 0, 0), new Vec3(-1, 0, 0), new Vec3(0, 0, 1)]) {
      // beside the third step's cut: the staircase in that direction would dig right next to it
      const p = s.plus(d.scaled(3)).offset(0, -3, 0).plus(new Vec3(d.z, 0, d.x))
      lava.push(p)
      await setBlockFixture(serv, p, 'lava')
    }
    await bot.waitForTicks(5)
    const r = await run(bot, `dig_down:${s.y - 6}`, {}, { deadlineMs: 60000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.ok(bot.entity.position.floored().z < s.z - 3, `went ${bot.entity.position.floored()} from ${s}`)
    assertLavaSealed(bot, lava)
  })

  await t.test('a lava layer below: dig_down stops with a failure naming lava, the lava left sealed', async () => {
    const s = bot.entity.position.floored()
    const layerY = s.y - 4
    const lava = []
    for (let dx = -7; dx <= 7; dx++) {
      for (let dz = -7; dz <= 7; dz++) {
        const p = new Vec3(s.x + dx, layerY, s.z + dz)
        lava.push(p)
        await setBlockFixture(serv, p, 'lava')
      }
    }
    await bot.waitForTicks(10)
    const r = await run(bot, `dig_down:${s.y - 10}`, {}, { deadlineMs: 90000 })
    assert.equal(r.ok, false)
    assert.equal(r.error.kind, 'failed')
    assert.match(r.error.message, /lava/)
    assert.ok(bot.entity.position.y > layerY + 1, `the bot at ${bot.entity.position}`)
    assertLavaSealed(bot, lava)
  })
})

/** Fixture: fill the box between corners a and b (inclusive) with `name`, but for the cells `except` names. */
async function fillBox (serv, a, b, name, except = () => false) {
  for (let x = Math.min(a.x, b.x); x <= Math.max(a.x, b.x); x++) {
    for (let y = Math.min(a.y, b.y); y <= Math.max(a.y, b.y); y++) {
      for (let z = Math.min(a.z, b.z); z <= Math.max(a.z, b.z); z++) {
        const p = new Vec3(x, y, z)
        if (!except(p)) await setBlockFixture(serv, p, name)
      }
    }
  }
}

/** Fixture: move the bot (server-side) to stand at feet position `feet`. */
async function teleportFixture (serv, bot, feet) {
  serverPlayer(serv, bot).teleport(feet.offset(0.5, 0, 0.5))
  await waitFor(() => bot.entity.position.floored().equals(feet) && bot.entity.onGround, 5000, `the bot at ${feet}`)
  await bot.waitForTicks(5)
}

worldTest('dig_down across caves: bridges a gap, walks down into a pit, never opens lava (flat stage)', { timeout: 150000, seed: 1, world: 'flat', username: 'cavedigger' }, async (t, { serv, bot }) => {
  const spawn = bot.entity.position.floored() // flat stage: grass at y=63, feet at 64

  await t.test('a cave under the staircase: it bridges the gap with cobblestone and the staircase walks back up', async () => {
    await giveFixture(serv, bot, 'iron_pickaxe', 1, 0)
    await giveFixture(serv, bot, 'cobblestone', 32, 1)
    const s = spawn
    // an air pocket 7x5x7 whose top is 3 below the bot's feet: the second step in every heading has no floor
    await fillBox(serv, s.offset(-3, -7, -3), s.offset(3, -3, 3), 'air')
    await bot.waitForTicks(5)
    const r = await run(bot, `dig_down:${s.y - 8}`, {}, { deadlineMs: 90000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.ok(r.detail.placed >= 1 && r.detail.descents === 0, JSON.stringify(r.detail))
    assert.ok(r.progress.some(m => /bridging a gap/.test(m)), r.progress.join(' | '))
    assert.ok(bot.entity.position.floored().y <= s.y - 8, `${bot.entity.position}`)
    await walkWithoutDigging(bot, s, 30000)
    assert.ok(bot.entity.position.floored().equals(s), `back at ${bot.entity.position.floored()}, start ${s}`)
  })

  await t.test('on a pillar in a pit, with no blocks to bridge: it walks down into the pit and digs on', async () => {
    await clearInventory(serv, bot)
    await giveFixture(serv, bot, 'iron_pickaxe', 1, 0)
    const s = spawn.offset(24, 0, 0)
    await teleportFixture(serv, bot, s)
    const pillar = p => p.x === s.x && p.z === s.z
    // a pit 4 deep around the pillar: no first step has a floor in any heading, and the bot holds nothing to build one
    await fillBox(serv, s.offset(-3, -4, -3), s.offset(3, 1, 3), 'air', pillar)
    await bot.waitForTicks(5)
    const r = await run(bot, `dig_down:${s.y - 7}`, {}, { deadlineMs: 60000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.ok(r.detail.descents >= 1, JSON.stringify(r.detail))
    assert.ok(r.progress.some(m => /walking down into the cave/.test(m)), r.progress.join(' | '))
    assert.ok(bot.entity.position.floored().y <= s.y - 7, `${bot.entity.position}`)
  })

  await t.test('a pit with a lava floor: no step next to the lava, a failure naming lava; a retry takes no dead end again', async () => {
    await clearInventory(serv, bot)
    await giveFixture(serv, bot, 'iron_pickaxe', 1, 0)
    await giveFixture(serv, bot, 'cobblestone', 32, 1)
    const s = spawn.offset(-24, 0, 0)
    await teleportFixture(serv, bot, s)
    const pillar = p => p.x === s.x && p.z === s.z
    // a pit 2 deep around the pillar the bot stands on, over a lava layer
    await fillBox(serv, s.offset(-3, -2, -3), s.offset(3, 1, 3), 'air', pillar)
    const lava = []
    await fillBox(serv, s.offset(-3, -3, -3), s.offset(3, -3, 3), 'lava', p => { if (pillar(p)) return true; lava.push(p); return false })
    await bot.waitForTicks(10)
    const solidNextToLava = []
    for (const p of lava) {
      for (const q of [p.offset(1, 0, 0), p.offset(-1, 0, 0), p.offset(0, -1, 0), p.offset(0, 0, 1), p.offset(0, 0, -1)]) {
        if (bot.blockAt(q)?.boundingBox === 'block') solidNextToLava.push(q)
      }
    }
    const r = await run(bot, `dig_down:${s.y - 10}`, {}, { deadlineMs: 90000 })
    assert.equal(r.ok, false)
    assert.equal(r.error.kind, 'failed')
    assert.match(r.error.message, /lava/)
    assert.ok(bot.entity.position.y > s.y - 3, `the bot at ${bot.entity.position}`)
    for (const p of lava) assert.equal(bot.blockAt(p)?.name, 'lava', `lava at ${p}`)
    for (const q of solidNextToLava) assert.equal(bot.blockAt(q)?.boundingBox, 'block', `${q} next to lava was dug open (${bot.blockAt(q)?.name})`)
    // a retry from where it stopped goes on with the same staircase, whose ways on are all known dead ends:
    // it fails at once, without digging or walking back into them
    const at = bot.entity.position.floored()
    const again = await run(bot, `dig_down:${s.y - 10}`, {}, { deadlineMs: 30000 })
    assert.equal(again.ok, false)
    assert.match(again.error.message, /lava/)
    assert.ok(again.wall_ms < 10000, `${again.wall_ms} ms`)
    assert.deepEqual(again.inventory_delta, {})
    assert.ok(bot.entity.position.floored().equals(at), `moved from ${at} to ${bot.entity.position.floored()}`)
  })
})
