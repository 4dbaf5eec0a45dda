'use strict'
// Crafting and inventory clicks with a real mineflayer bot against the embedded server.
const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./windows_helpers')

let serv, bot, player

test.before(async () => { ({ serv, bot, player } = await h.openWindowsWorld('crafter')) })
test.after(async () => {
  await h.stop(bot, serv)
  h.exitWhenDone()
})

async function fresh (items) {
  h.clearInventory(player)
  for (const [slot, name, count] of items) h.give(serv, player, slot, name, count)
  await h.waitFor(() => h.inventoryDiff(player, bot).length === 0, 10000, 'client sees the fixture')
}

async function settled () {
  await h.waitFor(() => h.inventoryDiff(player, bot).length === 0, 5000, 'client and server agree')
    .catch(() => {})
  return h.inventoryDiff(player, bot)
}

test('2x2: logs to planks, planks to a crafting table, server and client agree', async () => {
  await fresh([[36, 'oak_log', 2]])
  const planks = bot.recipesFor(bot.registry.itemsByName.oak_planks.id, null, 1, null)[0]
  await h.withTimeout(bot.craft(planks, 2, null), 15000, 'craft planks')
  assert.deepEqual(h.serverCounts(player), { oak_planks: 8 })
  const table = bot.recipesFor(bot.registry.itemsByName.crafting_table.id, null, 1, null)[0]
  await h.withTimeout(bot.craft(table, 1, null), 15000, 'craft crafting_table')
  assert.deepEqual(h.serverCounts(player), { oak_planks: 4, crafting_table: 1 })
  assert.deepEqual(await settled(), [])
})

test('3x3: a wooden pickaxe at a placed crafting table', async () => {
  await fresh([[36, 'oak_planks', 3], [37, 'stick', 2], [38, 'dirt', 5]])
  const tableBlock = await h.placeBlockNear(serv, player, bot, 'crafting_table')
  const id = bot.registry.itemsByName.wooden_pickaxe.id
  assert.equal(bot.recipesFor(id, null, 1, null).length, 0, 'needs a table')
  const [recipe] = bot.recipesFor(id, null, 1, tableBlock)
  await h.withTimeout(bot.craft(recipe, 1, tableBlock), 15000, 'craft pickaxe')
  // bot.craft returns once it has sent close_window
  await h.waitFor(() => player.windows.container === null, 5000, 'the table window closes')
  assert.deepEqual(h.serverCounts(player), { wooden_pickaxe: 1, dirt: 5 })
  assert.deepEqual(await settled(), [])
})

test('shift click on the result crafts as many as possible into the inventory', async () => {
  await fresh([[36, 'oak_log', 3]])
  await bot.clickWindow(36, 0, 0) // pick up the logs
  await bot.clickWindow(1, 0, 0) // into the grid (mineflayer waits for the result slot)
  assert.equal(bot.inventory.slots[0]?.name, 'oak_planks', 'the client sees the result')
  await bot.clickWindow(0, 0, 1) // shift click on the result
  await h.waitFor(() => !player.inventory.slots[1], 5000, 'grid used up')
  assert.deepEqual(h.serverCounts(player), { oak_planks: 12 })
  assert.deepEqual(await settled(), [])
  assert.equal(bot.inventory.slots[0], null)
})

test('number keys, drags and double clicks are applied by the server', async () => {
  await fresh([[9, 'stone', 10], [38, 'dirt', 7]])
  await bot.clickWindow(9, 2, 2) // swap slot 9 with hotbar slot 2
  await h.waitFor(() => player.inventory.slots[9]?.name === 'dirt', 5000, 'the server swaps')
  assert.equal(player.inventory.slots[9]?.name, 'dirt')
  assert.equal(player.inventory.slots[38]?.name, 'stone')
  // mineflayer cannot predict drags or double clicks: send them raw, then ask for a resync
  const raw = (slot, mouseButton, mode) => bot._client.write('window_click', {
    windowId: 0, stateId: -1, slot, mouseButton, mode, changedSlots: [], cursorItem: { itemCount: 0 }
  })
  raw(38, 0, 0) // pick up 10 stone
  for (const [slot, button] of [[-999, 0], [20, 1], [21, 1], [22, 1], [-999, 2]]) raw(slot, button, 5) // left drag
  await bot._syncWindow(bot.inventory)
  assert.deepEqual([20, 21, 22].map(i => player.inventory.slots[i]?.count), [3, 3, 3])
  assert.equal(player.windows.inventoryMenu.carried.count, 1)
  raw(23, 0, 0) // put the last one down
  raw(20, 0, 0) // pick up 3 and double click to gather the rest
  raw(20, 0, 6)
  await bot._syncWindow(bot.inventory)
  assert.equal(player.windows.inventoryMenu.carried.count, 10)
  assert.equal(bot.inventory.selectedItem?.count, 10, 'the client got the cursor back')
  raw(36, 0, 0)
  await bot._syncWindow(bot.inventory)
  assert.deepEqual(h.serverCounts(player), { stone: 10, dirt: 7 })
  assert.deepEqual(await settled(), [])
})

test('tossing a stack spawns an item entity and removes the stack', async () => {
  await fresh([[36, 'cobblestone', 16]])
  const dropped = new Promise(resolve => {
    bot.on('entitySpawn', (e) => { if (e.name === 'item') resolve(e) })
  })
  await bot.tossStack(bot.inventory.slots[36])
  const entity = await h.withTimeout(dropped, 10000, 'item entity')
  await h.waitFor(() => entity.getDroppedItem?.(), 5000, 'item metadata')
  const item = entity.getDroppedItem()
  assert.equal(item.name, 'cobblestone')
  assert.equal(item.count, 16)
  assert.deepEqual(h.serverCounts(player), {})
  assert.deepEqual(await settled(), [])
})

test('while a crafting table is open, inventory changes reach the client through the table window', async () => {
  await fresh([[36, 'oak_planks', 4]])
  const tableBlock = await h.placeBlockNear(serv, player, bot, 'crafting_table', new h.Vec3(0, 0, 2))
  const window = await h.withTimeout(bot.openBlock(tableBlock), 10000, 'open table')
  assert.equal(window.type, 'minecraft:crafting')
  h.give(serv, player, 20, 'apple', 5) // e.g. an item picked up meanwhile
  // player.inventory slot 20 is the table window's slot 10 + (20 - 9)
  await h.waitFor(() => window.slots[21]?.name === 'apple', 5000, 'the table window shows the apple')
  await bot.clickWindow(window.hotbarStart, 0, 0) // planks into the grid, then close: they come back
  await bot.clickWindow(5, 0, 0)
  bot.closeWindow(window)
  await h.waitFor(() => player.windows.container === null, 5000, 'close')
  assert.deepEqual(h.serverCounts(player), { oak_planks: 4, apple: 5 })
  assert.deepEqual(await settled(), [])
})

test('equip, unequip and toss some: the clicks of simple_inventory', async () => {
  await fresh([[20, 'iron_helmet', 1], [21, 'stone_pickaxe', 1], [22, 'dirt', 10]])
  await bot.equip(bot.inventory.slots[20], 'head')
  await h.waitFor(() => player.inventory.slots[5]?.name === 'iron_helmet', 5000, 'helmet worn')
  await bot.equip(bot.inventory.slots[21], 'hand')
  await h.waitFor(() => player.inventory.slots[36 + bot.quickBarSlot]?.name === 'stone_pickaxe', 5000, 'pickaxe in hand')
  await bot.unequip('head')
  await h.waitFor(() => !player.inventory.slots[5], 5000, 'helmet off')
  await bot.toss(bot.registry.itemsByName.dirt.id, null, 3)
  await h.waitFor(() => h.serverCounts(player).dirt === 7, 5000, 'three dirt tossed')
  assert.deepEqual(h.serverCounts(player), { iron_helmet: 1, stone_pickaxe: 1, dirt: 7 })
  assert.deepEqual(await settled(), [])
})
