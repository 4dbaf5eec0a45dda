'use strict'
// kill:<mob> through a real bot on the seeded survival world (herds of cows, sheep, pigs and chickens stand
// near spawn).
const assert = require('node:assert/strict')
const { worldTest, run, clearInventory, assertStopped, giveFixture, waitFor, parseSkill, assertRefused } = require('../lib/test_world')
const { SkillError } = require('../lib/errors')

const SEED = Number(process.env.SKILL_TEST_SEED || 3)

/** Where a mob can stand dx, dz blocks from the bot: on the highest full block of that column near its feet. */
function groundNear (bot, dx, dz) {
  const base = bot.entity.position.floored().offset(dx, 0, dz)
  for (let dy = 12; dy >= -12; dy--) {
    const below = bot.blockAt(base.offset(0, dy - 1, 0))
    const feet = bot.blockAt(base.offset(0, dy, 0))
    if (below?.boundingBox === 'block' && feet?.boundingBox === 'empty') return base.offset(0.5, dy, 0.5)
  }
  return base.offset(0.5, 1, 0.5)
}

worldTest('kill in the survival world', { timeout: 240000, seed: SEED, username: 'hunter' }, async (t, { serv, bot }) => {

  await t.test('bad tokens are refused', () => {
    assertRefused(bot.registry, ['kill:zombie', 'kill:villager', 'kill:stone', 'kill'], 'unknown_skill')
    assert.throws(() => parseSkill('kill:cow', { count: 2 }, bot.registry), e => e.kind === 'bad_arguments')
  })

  await t.test('kill:cow by hand: the cow dies and its beef is picked up', async () => {
    await clearInventory(serv, bot)
    await waitFor(() => Object.values(bot.entities).some(e => e.name === 'cow'), 10000, 'a cow in sight')
    const r = await run(bot, 'kill:cow', {}, { deadlineMs: 90000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.ok(r.inventory_delta.beef >= 1, JSON.stringify(r.inventory_delta)) // vanilla: 1-3 beef, 0-2 leather
    assert.equal(r.detail.weapon, 'hand')
    assert.ok(r.detail.hits >= 10, `${r.detail.hits} hits of 1 for a cow's 10 health`)
    assert.deepEqual(r.detail.loot, r.inventory_delta)
  })

  await t.test('kill:pig with an iron sword: two charged hits', async () => {
    await giveFixture(serv, bot, 'wooden_axe', 1, 1)
    await giveFixture(serv, bot, 'iron_sword', 1, 2)
    const r = await run(bot, 'kill:pig', {}, { deadlineMs: 90000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.equal(r.detail.weapon, 'iron_sword')
    assert.equal(bot.heldItem?.name, 'iron_sword')
    assert.equal(r.detail.hits, 2, 'a pig has 10 health, a charged iron sword hit does 6')
    assert.ok(r.inventory_delta.porkchop >= 1, JSON.stringify(r.inventory_delta))
  })

  await t.test('a deadline ends kill:sheep (kind deadline), an abort ends kill:chicken (kind cancelled); the bot stops', async () => {
    // the herds wander: put one of each a walk away, so both skills are still chasing when stopped
    serv.mobs.spawn('sheep', serv.overworld, groundNear(bot, 8, 0))
    serv.mobs.spawn('chicken', serv.overworld, groundNear(bot, 0, 8))
    // the ones just spawned, within reach of the search (a herd's far member in view is not enough)
    const near = n => Object.values(bot.entities).some(e => e.name === n && e.position.distanceTo(bot.entity.position) < 16)
    await waitFor(() => near('sheep') && near('chicken'), 10000, 'a sheep and a chicken near the bot')
    const r = await run(bot, 'kill:sheep', {}, { deadlineMs: 1200 })
    assert.equal(r.error?.kind, 'deadline', JSON.stringify(r.error))
    await assertStopped(bot)
    const controller = new AbortController()
    setTimeout(() => controller.abort(new SkillError('cancelled', 'leave it')), 1000)
    const c = await run(bot, 'kill:chicken', {}, { controller, deadlineMs: 60000 })
    assert.equal(c.error?.kind, 'cancelled', JSON.stringify(c.error))
    await assertStopped(bot)
  })

  await t.test('kill of a mob kind that is not around fails not_found', async () => {
    for (const m of serv.mobs.list()) if (m.name === 'chicken') m.destroy()
    await waitFor(() => !Object.values(bot.entities).some(e => e.name === 'chicken'), 3000, 'the chickens to go')
    const r = await run(bot, 'kill:chicken', {}, { deadlineMs: 10000 })
    assert.equal(r.error?.kind, 'not_found', JSON.stringify(r.error))
  })
})
