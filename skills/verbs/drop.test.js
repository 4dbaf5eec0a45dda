'use strict'
// drop:<item>: tossing the surplus of an item (a staircase down fills the inventory with stone).
const test = require('node:test')
const assert = require('node:assert/strict')
const { setup, run, giveFixture, waitFor, stopWorld } = require('../lib/test_world')
const { count } = require('../lib/inventory')

test('drop keeps what is asked and tosses the rest', { timeout: 60000 }, async () => {
  const { world, serv, bot } = await setup({ world: 'flat', username: 'dropper' })
  try {
    await giveFixture(serv, bot, 'cobblestone', 64, 0)
    await giveFixture(serv, bot, 'cobblestone', 40, 1)
    await waitFor(() => count(bot, 'cobblestone') === 104, 3000, 'two stacks of cobblestone')
    let r = await run(bot, 'drop:cobblestone', { keep: 30 })
    assert.equal(r.ok, true, JSON.stringify(r.error))
    assert.equal(r.detail.dropped, 74)
    assert.equal(r.inventory_delta.cobblestone, -74)
    await waitFor(() => count(bot, 'cobblestone') === 30, 3000, 'the kept cobblestone')

    r = await run(bot, 'drop:cobblestone', { keep: 64 }) // nothing beyond what is kept
    assert.equal(r.ok, false)
    assert.equal(r.error.kind, 'missing_items')
    assert.equal(count(bot, 'cobblestone'), 30)
  } finally {
    bot.quit()
    await stopWorld(world)
  }
})
