'use strict'
// eat:<food> through a real bot on the flat world (the server's hunger plugin applies the food): nothing to
// eat, not hungry, and a meal that restores the food points of its kind.
const assert = require('node:assert/strict')
const { worldTest, run, giveFixture, serverPlayer, waitFor, inventoryCounts, assertRefused } = require('../lib/test_world')

worldTest('eat on the flat world', { timeout: 120000, world: 'flat', username: 'eater' }, async (t, { serv, bot }) => {
  const player = serverPlayer(serv, bot)

  await t.test('bad tokens are refused', () => {
    assertRefused(bot.registry, ['eat:stone', 'eat:iron_sword', 'eat'], 'unknown_skill')
  })

  await t.test('eat: missing_items without the food, failed when full, and eating when hungry', async () => {
    const none = await run(bot, 'eat:bread')
    assert.equal(none.error?.kind, 'missing_items', JSON.stringify(none.error))
    await giveFixture(serv, bot, 'cooked_beef', 3, 4)
    player.foodSaturation = 5 // fixture: full, with saturation to spare
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
