'use strict'
// Recipe coverage with mineflayer's own bot.craft: a deterministic sample of minecraft-data's recipes, at a
// crafting table and in the 2x2 inventory grid (the full run of all 1557 is
// `node world/windows/recipe_coverage.js`, about 30 s).
const test = require('node:test')
const assert = require('node:assert/strict')
const { measureRecipeCoverage, listRecipes, expectedAfter } = require('../windows/recipe_coverage')
const h = require('./windows_helpers')
const { minecraft: VERSION } = require('../vanilla/versions.json')

test('expected results count craft remainders', () => {
  const registry = require('prismarine-registry')(VERSION)
  const cake = listRecipes(registry).find(r => registry.items[r.resultId].name === 'cake')
  assert.deepEqual(expectedAfter(registry, cake.raw), { cake: 1, bucket: 3 })
  assert.equal(listRecipes(registry).length, 1557)
})

test('a sample of recipes crafts through mineflayer at a table and in the 2x2 grid', async () => h.withWindowsBot('coverage', async ({ serv, bot, player }) => {
  const table = await h.placeBlockNear(serv, player, bot, 'crafting_table')
  const atTable = await measureRecipeCoverage({ bot, serv, player, table, sample: 60, seed: 7 })
  assert.equal(atTable.tested, 60)
  assert.deepEqual(atTable.failures, [])
  const auto = await measureRecipeCoverage({ bot, serv, player, table, sample: 60, seed: 8, grid: 'auto' })
  assert.deepEqual(auto.failures, [])
  // several crafts in one go at the table (the window stays open between them)
  h.clearInventory(player)
  h.give(serv, player, 36, 'oak_planks', 6)
  await h.waitFor(() => bot.inventory.slots[36]?.count === 6, 5000, 'planks')
  const [sticks] = bot.recipesFor(bot.registry.itemsByName.stick.id, null, 1, table)
  await h.withTimeout(bot.craft(sticks, 3, table), 15000, 'three crafts')
  await h.waitFor(() => h.serverCounts(player).stick === 12, 5000, 'twelve sticks')
  assert.deepEqual(h.serverCounts(player), { stick: 12 })
  await h.waitFor(() => h.inventoryDiff(player, bot).length === 0, 5000, 'client and server agree')
}, { exitAfter: true }))
