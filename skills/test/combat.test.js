'use strict'
// kill:<mob>, eat:<food> and equip:<item> through a real bot on the seeded survival world (herds of cows,
// sheep, pigs and chickens stand near spawn).
const test = require('node:test')
const assert = require('node:assert/strict')
const { setup, run, clearInventory, assertStopped, giveFixture, serverPlayer, waitFor, stopWorld, parseSkill, inventoryCounts } = require('./skill_helpers')
const { SkillError, SkillInputError } = require('../runtime/errors')

const SEED = Number(process.env.SKILL_TEST_SEED || 3)

test('combat and body skills in the survival world', { timeout: 240000 }, async (t) => {
  const { world, serv, bot } = await setup({ seed: SEED, username: 'hunter' })
  const player = serverPlayer(serv, bot)
  t.after(() => stopWorld(world, bot))

  await t.test('bad tokens are refused', () => {
    for (const token of ['kill:zombie', 'kill:villager', 'kill:stone', 'kill', 'eat:stone', 'eat:iron_sword', 'eat', 'equip:nothing', 'equip']) {
      assert.throws(() => parseSkill(token, {}, bot.registry), e => e instanceof SkillInputError && e.kind === 'unknown_skill', token)
    }
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

  await t.test('equip: a sword to the hand, a helmet to the head, missing_items for what is not there', async () => {
    await giveFixture(serv, bot, 'iron_helmet', 1, 3)
    const h = await run(bot, 'equip:iron_helmet')
    assert.ok(h.ok, JSON.stringify(h.error))
    assert.equal(h.detail.slot, 'head')
    await waitFor(() => bot.inventory.slots[5]?.name === 'iron_helmet', 2000, 'the helmet in the head slot')
    await waitFor(() => player.inventory.slots[5]?.name === 'iron_helmet', 2000, 'the server to agree')
    const a = await run(bot, 'equip:wooden_axe')
    assert.ok(a.ok, JSON.stringify(a.error))
    assert.equal(bot.heldItem?.name, 'wooden_axe')
    const again = await run(bot, 'equip:wooden_axe')
    assert.ok(again.ok && again.detail.already)
    const m = await run(bot, 'equip:diamond_sword')
    assert.equal(m.error?.kind, 'missing_items', JSON.stringify(m.error))
  })

  await t.test('eat: missing_items without the food, failed when full, and eating when hungry', async () => {
    const none = await run(bot, 'eat:bread')
    assert.equal(none.error?.kind, 'missing_items', JSON.stringify(none.error))
    await giveFixture(serv, bot, 'cooked_beef', 3, 4)
    player.foodSaturation = 5 // fixture: full, with saturation to spare (the kills above cost exhaustion)
    player.updateFood(20)
    await waitFor(() => bot.food === 20, 2000, 'full food')
    const full = await run(bot, 'eat:cooked_beef')
    assert.equal(full.error?.kind, 'failed')
    assert.match(full.error.message, /full/)
    player.updateFood(10)
    await waitFor(() => bot.food === 10, 2000, 'the bot to be hungry')
    const r = await run(bot, 'eat:cooked_beef', {}, { deadlineMs: 15000 }) // the server's hunger plugin eats
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.equal(r.inventory_delta.cooked_beef, -1)
    assert.equal(r.detail.food_before, 10)
    assert.equal(r.detail.food_after, 18, JSON.stringify(r.detail)) // cooked beef: 8 food points
    assert.equal(inventoryCounts(bot).cooked_beef, 2)
    assert.equal(player.inventory.slots.filter(s => s?.name === 'cooked_beef').reduce((n, s) => n + s.count, 0), 2)
  })
})
