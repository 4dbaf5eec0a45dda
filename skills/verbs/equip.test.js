'use strict'
// equip:<item> through a real bot on the flat world: a tool to the hand, armour to its slot (the server
// agrees), nothing to do when already held, missing_items for what is not there.
const assert = require('node:assert/strict')
const { worldTest, run, giveFixture, serverPlayer, waitFor, assertRefused } = require('../lib/test_world')

worldTest('equip on the flat world', { timeout: 120000, world: 'flat', username: 'wearer' }, async (t, { serv, bot }) => {
  const player = serverPlayer(serv, bot)

  await t.test('bad tokens are refused', () => {
    assertRefused(bot.registry, ['equip:nothing', 'equip:air', 'equip'], 'unknown_skill')
  })

  await t.test('equip: an axe to the hand, a helmet to the head, missing_items for what is not there', async () => {
    await giveFixture(serv, bot, 'wooden_axe', 1, 1)
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
})
