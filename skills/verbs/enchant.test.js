'use strict'
// enchant:<item> through a real bot on the flat world: nothing to enchant, no XP levels, then a table placed
// from the inventory spends lapis and levels and the item is enchanted (the server agrees); an enchanted item
// is not enchanted again. Scenes (items, XP) are fixtures set on the server.
const assert = require('node:assert/strict')
const { worldTest, run, clearInventory, giveFixture, serverPlayer, waitFor, assertTokens } = require('../lib/test_world')
const { experienceRules } = require('../lib/world_package')

const { pointsAtLevel } = experienceRules()

worldTest('enchant on the flat world', { timeout: 120000, world: 'flat', username: 'enchanter', exitAfter: true }, async (t, { serv, bot }) => {
  const player = serverPlayer(serv, bot)

  await t.test('targets', () => assertTokens(bot.registry, ['enchant:diamond_pickaxe', 'enchant:diamond_sword'], ['enchant:stick', 'enchant:dirt']))

  await t.test('nothing to enchant fails missing_items at once', async () => {
    await clearInventory(serv, bot)
    const r = await run(bot, 'enchant:diamond_sword', {}, { deadlineMs: 10000 })
    assert.equal(r.error?.kind, 'missing_items')
    assert.deepEqual(r.inventory_delta, {})
  })

  await t.test('enchant:diamond_sword places the table, spends lapis and levels, the sword is enchanted', { timeout: 40000 }, async () => {
    await clearInventory(serv, bot)
    await giveFixture(serv, bot, 'diamond_sword', 1, 0)
    await giveFixture(serv, bot, 'lapis_lazuli', 5, 1)
    await giveFixture(serv, bot, 'enchanting_table', 1, 2)
    let r = await run(bot, 'enchant:diamond_sword', {}, { deadlineMs: 20000 })
    assert.equal(r.error?.kind, 'failed', 'no XP levels yet')
    assert.match(r.error.message, /XP level/)
    player.giveXp(pointsAtLevel(10)) // fixture: ten levels
    await waitFor(() => bot.experience.level === 10, 5000, 'ten levels')
    r = await run(bot, 'enchant:diamond_sword', {}, { deadlineMs: 30000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    const option = r.detail.option
    assert.ok(option >= 1 && option <= 3)
    assert.deepEqual(r.inventory_delta, { enchanting_table: -1, lapis_lazuli: -option })
    await waitFor(() => bot.experience.level === 10 - option, 5000, `level ${10 - option}`)
    const sword = bot.inventory.items().find(i => i.name === 'diamond_sword')
    const comp = sword.components.find(c => c.type === 'enchantments')
    assert.ok(comp?.data?.enchantments?.length >= 1, 'the sword carries enchantments')
    assert.equal(comp.data.enchantments.length, r.detail.enchantments.length)
    const serverSword = player.inventory.slots.find(i => i?.name === 'diamond_sword')
    assert.ok(serverSword.components.find(c => c.type === 'enchantments').data.enchantments.length >= 1, 'the server agrees')
    await waitFor(() => player.windows.container === null, 5000, 'the table window to close')
    // an enchanted sword is not enchanted again
    r = await run(bot, 'enchant:diamond_sword', {}, { deadlineMs: 10000 })
    assert.equal(r.error?.kind, 'failed')
    assert.match(r.error.message, /already enchanted/)
  })
})
