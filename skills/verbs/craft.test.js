'use strict'
// craft:<item> through a real bot on the flat world: 2x2 recipes in the inventory grid, 3x3 recipes at a
// crafting table placed from the inventory (then reused), counts rounded up to whole crafts, and a clear
// missing_items message when nothing can be crafted.
const assert = require('node:assert/strict')
const { worldTest, run, clearInventory, giveFixture, parseSkill, inventoryCounts, waitFor, assertRefused } = require('../lib/test_world')

worldTest('craft skills on the flat world', { timeout: 170000, world: 'flat', username: 'crafter', exitAfter: true }, async (t, { serv, bot }) => {
  const tablesNear = () => bot.findBlocks({ matching: bot.registry.blocksByName.crafting_table.id, maxDistance: 24, count: 10 })

  await t.test('targets: items with a crafting recipe only', () => {
    assert.equal(parseSkill('craft:stick', { count: 8 }, bot.registry).args.count, 8)
    assertRefused(bot.registry, ['craft:oak_log', 'craft:iron_ore', 'craft:nope', 'craft'], 'unknown_skill')
    assert.throws(() => parseSkill('craft:stick', { count: 65 }, bot.registry), e => e.kind === 'bad_arguments')
  })

  await t.test('craft with an empty inventory fails missing_items and names what is missing', async () => {
    await clearInventory(serv, bot)
    const r = await run(bot, 'craft:wooden_pickaxe', {}, { deadlineMs: 20000 })
    assert.equal(r.ok, false)
    assert.equal(r.error.kind, 'missing_items', r.error.message)
    assert.match(r.error.message, /stick/)
    assert.match(r.error.message, /oak_planks/)
    assert.match(r.error.message, /crafting table/)
    const r2 = await run(bot, 'craft:oak_planks', {}, { deadlineMs: 20000 })
    assert.equal(r2.error.kind, 'missing_items')
    assert.match(r2.error.message, /1 oak_log \(have 0, need 1\)/)
    assert.deepEqual(r2.inventory_delta, {})
  })

  await t.test('craft:oak_planks turns one log into four planks in the 2x2 grid', async () => {
    await clearInventory(serv, bot)
    await giveFixture(serv, bot, 'oak_log', 3, 0)
    const r = await run(bot, 'craft:oak_planks', {}, { deadlineMs: 30000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.deepEqual(r.inventory_delta, { oak_log: -1, oak_planks: 4 })
    assert.equal(r.detail.used_table, false)
    assert.equal(tablesNear().length, 0, 'no table needed')
  })

  await t.test('craft:stick count 8 makes two crafts of four', async () => {
    await clearInventory(serv, bot)
    await giveFixture(serv, bot, 'birch_planks', 5, 1)
    const r = await run(bot, 'craft:stick', { count: 8 }, { deadlineMs: 30000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.deepEqual(r.inventory_delta, { birch_planks: -4, stick: 8 })
    assert.equal(r.detail.crafts, 2)
    // count 9 needs three crafts = 6 planks: only 1 left
    const r2 = await run(bot, 'craft:stick', { count: 9 }, { deadlineMs: 20000 })
    assert.equal(r2.error?.kind, 'missing_items')
    assert.match(r2.error.message, /birch_planks \(have 1, need 6\)/)
  })

  await t.test('craft:wooden_pickaxe places the crafting table from the inventory and crafts at it', async () => {
    await clearInventory(serv, bot)
    await giveFixture(serv, bot, 'oak_planks', 3, 0)
    await giveFixture(serv, bot, 'stick', 2, 1)
    await giveFixture(serv, bot, 'crafting_table', 1, 2)
    const r = await run(bot, 'craft:wooden_pickaxe', {}, { deadlineMs: 60000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.deepEqual(r.inventory_delta, { oak_planks: -3, stick: -2, crafting_table: -1, wooden_pickaxe: 1 })
    assert.equal(r.detail.used_table, true)
    assert.equal(r.detail.placed_table, true)
    const tables = tablesNear()
    assert.equal(tables.length, 1)
    assert.equal((await serv.overworld.getBlock(tables[0])).name, 'crafting_table', 'the server has the table')
    await waitFor(() => bot.currentWindow === null, 5000, 'the table window to close')
  })

  await t.test('a second 3x3 craft reuses the table in the world', async () => {
    await clearInventory(serv, bot)
    await giveFixture(serv, bot, 'cobblestone', 3, 0)
    await giveFixture(serv, bot, 'stick', 2, 1)
    const r = await run(bot, 'craft:stone_pickaxe', {}, { deadlineMs: 60000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.deepEqual(r.inventory_delta, { cobblestone: -3, stick: -2, stone_pickaxe: 1 })
    assert.equal(r.detail.placed_table, false)
    assert.equal(tablesNear().length, 1)
    assert.deepEqual(inventoryCounts(bot), { stone_pickaxe: 1 })
  })
})
