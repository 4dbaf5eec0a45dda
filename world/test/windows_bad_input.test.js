'use strict'
// Bad input to the windows: impossible slots, wrong windows, nonsense fields, forged predictions, crafts
// without ingredients, garbage bytes and a dropped connection. None of it may crash the server, create or
// lose items, or leave the client out of step.
const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./windows_helpers')

let serv, bot, player

test.before(async () => { ({ serv, bot, player } = await h.openWindowsWorld('mallory')) })
test.after(async () => {
  await h.stop(bot, serv)
  h.exitWhenDone()
})

const FIXTURE = { oak_planks: 10, stick: 3, cobblestone: 64 }

async function fresh () {
  h.clearInventory(player)
  player.windows.inventoryMenu.carried = null
  h.give(serv, player, 36, 'oak_planks', 10)
  h.give(serv, player, 37, 'stick', 3)
  h.give(serv, player, 9, 'cobblestone', 64)
  await h.waitFor(() => h.inventoryDiff(player, bot).length === 0, 10000, 'fixture')
}

function click (fields) {
  bot._client.write('window_click', {
    windowId: 0, stateId: -1, slot: 0, mouseButton: 0, mode: 0, changedSlots: [], cursorItem: { itemCount: 0 }, ...fields
  })
}

function notch (name, count) {
  return { itemCount: count, itemId: bot.registry.itemsByName[name].id, addedComponentCount: 0, removedComponentCount: 0, components: [], removeComponents: [] }
}

/** Resolves with the next window_items the server sends (its answer to a bad click). */
function nextResync () {
  return h.withTimeout(new Promise(resolve => bot._client.once('window_items', resolve)), 5000, 'resync')
}

async function consistent () {
  await bot._syncWindow(bot.inventory)
  assert.deepEqual(h.serverCounts(player), FIXTURE)
  assert.deepEqual(h.inventoryDiff(player, bot), [])
  assert.equal(bot.inventory.selectedItem, null)
}

test('a click on a slot that does not exist is refused and the client resynced', async () => {
  await fresh()
  let resync = nextResync()
  click({ slot: 999, stateId: player.windows.stateId })
  await resync
  resync = nextResync()
  click({ slot: -5, mode: 2, mouseButton: 3, stateId: player.windows.stateId })
  await resync
  await consistent()
})

test('a click on a window that is not open is refused', async () => {
  await fresh()
  const resync = nextResync()
  click({ windowId: 57, slot: 9, stateId: player.windows.stateId })
  const packet = await resync
  assert.equal(packet.windowId, 0, 'the client is told what its open window holds')
  await consistent()
})

test('nonsense modes and buttons change nothing', async () => {
  await fresh()
  for (const [mode, mouseButton, slot] of [[99, 0, 9], [0, 77, 9], [1, 9, 9], [2, 50, 9], [3, 2, 9], [4, 5, -999], [5, 1, 9], [5, 2, -999], [6, 3, 9], [-1, 0, 9]]) {
    click({ mode, mouseButton, slot, stateId: player.windows.stateId })
  }
  await consistent()
})

test('a forged prediction (a diamond sword on the cursor, diamonds in a slot) is not believed', async () => {
  await fresh()
  click({ slot: 20, stateId: player.windows.stateId, changedSlots: [{ location: 20, item: notch('diamond', 64) }], cursorItem: notch('diamond_sword', 1) })
  click({ slot: 0, stateId: player.windows.stateId, changedSlots: [{ location: 0, item: { itemCount: 0 } }], cursorItem: notch('crafting_table', 1) })
  click({ slot: 9, stateId: player.windows.stateId, changedSlots: Array.from({ length: 300 }, (_, i) => ({ location: i, item: notch('diamond', 1) })), cursorItem: { itemCount: 0 } })
  click({ slot: 9, stateId: player.windows.stateId }) // put the cobblestone back
  await consistent()
  assert.ok(!player.inventory.slots.some(i => i && i.name.startsWith('diamond')))
})

test('taking a result from an empty grid makes nothing; a craft without enough ingredients consumes nothing', async () => {
  await fresh()
  await bot.clickWindow(0, 0, 0) // result slot of an empty 2x2 grid
  await bot.clickWindow(0, 0, 1)
  assert.equal(bot.inventory.selectedItem, null)
  h.give(serv, player, 36, 'oak_planks', 2)
  await h.waitFor(() => bot.inventory.slots[36]?.count === 2, 5000, 'only two planks')
  const [recipe] = bot.recipesAll(bot.registry.itemsByName.crafting_table.id, null, null)
  await assert.rejects(bot.craft(recipe, 1, null), /missing ingredient/)
  await bot._syncWindow(bot.inventory)
  assert.equal(player.windows.inventoryMenu.slots[0].get(), null, 'two planks in the grid make nothing')
  const counts = h.serverCounts(player)
  assert.equal(counts.oak_planks, 2)
  assert.equal(counts.crafting_table, undefined)
  assert.deepEqual(h.inventoryDiff(player, bot), [])
})

test('buttons, closes and syncs of windows that are not open are ignored', async () => {
  await fresh()
  bot._client.write('enchant_item', { windowId: 3, enchantment: 1 })
  bot._client.write('enchant_item', { windowId: 0, enchantment: 99 })
  bot._client.write('close_window', { windowId: 42 })
  const resync = nextResync()
  click({ mode: 5, mouseButton: 2, slot: -999, stateId: -1 }) // mineflayer's syncWindow
  await resync
  await consistent()
})

test('garbage bytes and a dropped connection mid-craft leave the world running and lose nothing', async () => {
  const mallory = await h.connectBot(serv.listeningPort, 'dropper')
  const victim = await h.windowsReady(serv, 'dropper')
  const tableBlock = await h.placeBlockNear(serv, victim, mallory, 'crafting_table', new h.Vec3(-2, 0, 0))
  h.give(serv, victim, 36, 'oak_planks', 3)
  await h.waitFor(() => mallory.inventory.slots[36]?.count === 3, 5000, 'fixture')
  const table = await h.withTimeout(mallory.openBlock(tableBlock), 10000, 'open table')
  await mallory.clickWindow(table.hotbarStart, 0, 0)
  await mallory.clickWindow(1, 0, 0) // three planks in the table grid
  await h.waitFor(() => victim.windows.container?.grid?.[0]?.count === 3, 5000, 'planks in the grid')
  const itemsOnGround = () => Object.values(serv.entities).filter(e => e.item && e.item.name === 'oak_planks').reduce((n, e) => n + e.item.count, 0)
  const before = itemsOnGround()
  mallory._client.writeRaw(Buffer.from([0x11, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00])) // a window_click cut short
  mallory._client.socket.destroy() // and the connection dies
  await h.waitFor(() => !serv.players.includes(victim) || victim._client.ended, 10000, 'the server drops the player')
  await h.waitFor(() => itemsOnGround() - before === 3, 5000, 'the grid drops where the player stood')
  // the world goes on: the other player still crafts
  await fresh()
  const [recipe] = bot.recipesFor(bot.registry.itemsByName.stick.id, null, 1, null)
  await h.withTimeout(bot.craft(recipe, 1, null), 10000, 'craft after the crash')
  await h.waitFor(() => h.serverCounts(player).stick === 7, 5000, 'sticks')
})
