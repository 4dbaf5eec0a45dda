'use strict'
// The enchanting table: bookshelf counting on its own, then a real mineflayer bot enchanting a diamond
// sword with lapis and XP levels through bot.openEnchantmentTable.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Vec3 } = require('vec3')
const { countBookshelves } = require('../windows/enchanting_window')
const enchanting = require('../vanilla/enchanting')
const { pointsAtLevel } = require('../plugins/experience')
const h = require('./windows_helpers')

function fakeWorld (blocks) {
  return { getBlock: async (p) => ({ name: blocks.get(`${p.x},${p.y},${p.z}`) || 'air' }) }
}

test('bookshelves count two blocks out, at table height and one above, with air between', async () => {
  const blocks = new Map()
  const table = new Vec3(0, 64, 0)
  for (const [x, z] of [[-2, -2], [-2, -1], [-2, 0], [-2, 1], [-2, 2], [2, 0], [0, 2]]) {
    blocks.set(`${x},64,${z}`, 'bookshelf')
    blocks.set(`${x},65,${z}`, 'bookshelf')
  }
  assert.equal(await countBookshelves(fakeWorld(blocks), table), 14)
  blocks.set('1,64,0', 'stone') // blocks the shelf at (2, 64, 0)
  assert.equal(await countBookshelves(fakeWorld(blocks), table), 13)
  blocks.set('3,64,0', 'bookshelf') // too far
  blocks.set('1,64,1', 'bookshelf') // too near
  assert.equal(await countBookshelves(fakeWorld(blocks), table), 13)
})

test('a bot enchants a diamond sword: lapis and levels are spent, the sword carries the enchantments', async () => h.withWindowsBot('enchanter', async ({ serv, bot, player }) => {
  const block = await h.placeBlockNear(serv, player, bot, 'enchanting_table')
  h.give(serv, player, 36, 'diamond_sword', 1)
  h.give(serv, player, 37, 'lapis_lazuli', 5)
  player.giveXp(pointsAtLevel(10)) // fixture: ten levels
  await h.waitFor(() => bot.inventory.slots[37]?.count === 5 && bot.experience.level === 10, 10000, 'fixture')
  const table = await h.withTimeout(bot.openEnchantmentTable(block), 10000, 'open table')
  await table.putTargetItem(table.slots[table.hotbarStart])
  await table.putLapis(table.slots[table.hotbarStart + 1])
  // the offers the server shows are vanilla's for this seed and no bookshelves
  const offers = enchanting.computeOffers({ itemName: 'diamond_sword', bookshelves: 0, seed: player.enchantmentSeed, registry: serv.registry })
  await h.waitFor(() => table.enchantments[0].level === (offers[0]?.cost ?? 0), 5000, 'offers')
  assert.ok(offers[0], 'with no bookshelves the first offer always exists')
  assert.deepEqual(table.enchantments.map(e => e.level), offers.map(o => o ? o.cost : 0))
  assert.equal(table.enchantments[0].expected.enchant, offers[0].enchantmentId)
  const seedBefore = player.enchantmentSeed
  const item = await h.withTimeout(table.enchant(0), 10000, 'enchant')
  const applied = item.componentMap.get('enchantments')?.data?.enchantments
  assert.ok(applied && applied.length >= 1, 'the sword came back enchanted')
  assert.ok(applied.some(e => e.id === offers[0].enchantmentId), 'the shown enchantment is among those applied')
  assert.equal(player.xpLevel, 9, 'the first offer costs one level')
  assert.notEqual(player.enchantmentSeed, seedBefore, 'the seed changes after enchanting')
  await table.takeTargetItem()
  table.close()
  await h.waitFor(() => player.windows.container === null, 5000, 'close')
  await h.waitFor(() => h.inventoryDiff(player, bot).length === 0, 5000, 'client and server agree')
  assert.deepEqual(h.serverCounts(player), { diamond_sword: 1, lapis_lazuli: 4 })
  const sword = player.inventory.slots.find(i => i && i.name === 'diamond_sword')
  assert.deepEqual(sword.components.find(c => c.type === 'enchantments').data.enchantments, applied)
  await h.waitFor(() => bot.experience.level === 9, 5000, 'the client sees its level')
}))

test('no enchanting without lapis or levels, and nothing is lost', async () => h.withWindowsBot('poor', async ({ serv, bot, player }) => {
  const block = await h.placeBlockNear(serv, player, bot, 'enchanting_table')
  h.give(serv, player, 36, 'iron_pickaxe', 1)
  h.give(serv, player, 37, 'lapis_lazuli', 1)
  await h.waitFor(() => bot.inventory.slots[37]?.count === 1, 10000, 'fixture')
  const table = await h.withTimeout(bot.openEnchantmentTable(block), 10000, 'open table')
  await table.putTargetItem(table.slots[table.hotbarStart])
  await table.putLapis(table.slots[table.hotbarStart + 1])
  const item = await h.withTimeout(table.enchant(0), 10000, 'enchant (refused)')
  assert.equal(item.componentMap.get('enchantments'), undefined, 'level 0: refused')
  player.giveXp(pointsAtLevel(30))
  const again = await h.withTimeout(table.enchant(2), 10000, 'enchant option 3 (refused)')
  assert.equal(again.componentMap.get('enchantments'), undefined, 'option 3 needs three lapis')
  table.close()
  await h.waitFor(() => player.windows.container === null, 5000, 'close')
  assert.deepEqual(h.serverCounts(player), { iron_pickaxe: 1, lapis_lazuli: 1 })
  assert.equal(player.xpLevel, 30)
}, { exitAfter: true }))
