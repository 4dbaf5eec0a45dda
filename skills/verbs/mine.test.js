'use strict'
// mine:<block> through a real bot on the seeded survival world: logs by hand, stone only with a pickaxe,
// ore tiers, bad tokens, a deadline and a cancel.
const assert = require('node:assert/strict')
const { worldTest, run, clearInventory, assertStopped, giveFixture, setBlockFixture, waitFor, parseSkill } = require('../lib/test_world')
const { SkillError, SkillInputError } = require('../lib/errors')

const SEED = Number(process.env.SKILL_TEST_SEED || 1)

worldTest('mine in the survival world', { timeout: 240000, seed: SEED, username: 'gatherer' }, async (t, { serv, bot }) => {

  await t.test('bad tokens and arguments are refused before anything runs', () => {
    const bad = [
      ['mine:not_a_block', {}, 'unknown_skill'],
      ['mine', {}, 'unknown_skill'],
      ['mine:air', {}, 'unknown_skill'],
      ['mine:water', {}, 'unknown_skill'],
      ['mine:bedrock', {}, 'unknown_skill'],
      ['mine:stone', { count: 0 }, 'bad_arguments'],
      ['mine:stone', { count: 65 }, 'bad_arguments'],
      ['mine:stone', { count: 1.5 }, 'bad_arguments'],
      ['mine:stone', { radius: 3 }, 'bad_arguments']
    ]
    for (const [token, args, kind] of bad) {
      assert.throws(() => parseSkill(token, args, bot.registry), e => e instanceof SkillInputError && e.kind === kind, token)
    }
    assert.equal(parseSkill('mine:oak_log', {}, bot.registry).args.count, 1)
    assert.equal(parseSkill('mine:deepslate_iron_ore', { count: 3 }, bot.registry).args.count, 3)
  })

  await t.test('mine:oak_log count 3 by hand gains three logs', async () => {
    await clearInventory(serv, bot)
    const r = await run(bot, 'mine:oak_log', { count: 3 }, { deadlineMs: 90000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.ok(r.inventory_delta.oak_log >= 3, JSON.stringify(r.inventory_delta))
    assert.ok(r.detail.gained >= 3 && r.detail.dug >= 1, JSON.stringify(r.detail)) // a log the path itself cut also counts
    assert.equal(r.detail.positions.length, r.detail.dug)
    assert.ok(r.progress.some(m => m.startsWith('digging oak_log')), r.progress.join(' | '))
    assert.ok(r.ticks > 0 && r.wall_ms > 0)
  })

  await t.test('mine:stone without a pickaxe fails missing_tool at once', async () => {
    const r = await run(bot, 'mine:stone', {}, { deadlineMs: 20000 })
    assert.equal(r.ok, false)
    assert.equal(r.error.kind, 'missing_tool', r.error.message)
    assert.match(r.error.message, /wooden_pickaxe/)
    assert.ok(r.wall_ms < 5000, `${r.wall_ms} ms`)
  })

  await t.test('mine:stone count 2 with a wooden pickaxe gains cobblestone', async () => {
    await giveFixture(serv, bot, 'wooden_pickaxe', 1, 0)
    const r = await run(bot, 'mine:stone', { count: 2 }, { deadlineMs: 90000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.ok(r.inventory_delta.cobblestone >= 2, JSON.stringify(r.inventory_delta))
    assert.equal(bot.heldItem?.name, 'wooden_pickaxe')
  })

  await t.test('mine:iron_ore with only a wooden pickaxe fails missing_tool (needs stone or better)', async () => {
    const r = await run(bot, 'mine:iron_ore', {}, { deadlineMs: 20000 })
    assert.equal(r.error?.kind, 'missing_tool', JSON.stringify(r.error))
    assert.match(r.error.message, /stone_pickaxe/)
  })

  await t.test('mine:iron_ore with a stone pickaxe also takes a deepslate_iron_ore (one ore family)', async () => {
    await giveFixture(serv, bot, 'stone_pickaxe', 1, 1)
    const spot = bot.entity.position.floored().offset(2, 0, 0)
    await setBlockFixture(serv, spot, 'deepslate_iron_ore')
    await setBlockFixture(serv, spot.offset(0, 1, 0), 'air') // an open face: the nearest iron ore of all
    await waitFor(() => bot.blockAt(spot)?.name === 'deepslate_iron_ore', 3000, 'the placed ore')
    const r = await run(bot, 'mine:iron_ore', {}, { deadlineMs: 90000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.ok(r.inventory_delta.raw_iron >= 1, JSON.stringify(r.inventory_delta))
    assert.deepEqual(r.detail.positions[0], [spot.x, spot.y, spot.z]) // raw iron from it: the stone pickaxe was used
  })

  await t.test('mine:iron_ore count 2 finds the world\'s own iron ore', async () => {
    const r = await run(bot, 'mine:iron_ore', { count: 2 }, { deadlineMs: 90000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.ok(r.inventory_delta.raw_iron >= 2, JSON.stringify(r.inventory_delta))
  })

  await t.test('mine of a block that is nowhere near fails not_found', async () => {
    const r = await run(bot, 'mine:emerald_ore', {}, { deadlineMs: 20000 })
    assert.equal(r.error?.kind, 'not_found', JSON.stringify(r.error))
  })

  await t.test('a short deadline ends mine:oak_log with kind deadline and the bot stops', async () => {
    const r = await run(bot, 'mine:oak_log', { count: 64 }, { deadlineMs: 2500 })
    assert.equal(r.ok, false)
    assert.equal(r.error.kind, 'deadline')
    assert.ok(r.wall_ms < 4000, `${r.wall_ms} ms`)
    await assertStopped(bot)
  })

  await t.test('an abort cancels mine:stone with kind cancelled and the bot stops', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(new SkillError('cancelled', 'test cancel')), 1500)
    const r = await run(bot, 'mine:stone', { count: 64 }, { controller, deadlineMs: 60000 })
    assert.equal(r.error?.kind, 'cancelled', JSON.stringify(r.error))
    assert.equal(r.error.message, 'test cancel')
    await assertStopped(bot)
  })
})
