'use strict'
// Unit tests of the server-side click rules, crafting grids and recipe matching (no server, no network).
const test = require('node:test')
const assert = require('node:assert/strict')
const { minecraft: VERSION } = require('../vanilla/versions.json')
const registry = require('prismarine-registry')(VERSION)
const windows = require('prismarine-windows')(registry)
const { createItemTools } = require('../windows/items')
const { createClickEngine } = require('../windows/click_engine')
const { createRecipeBook } = require('../windows/recipes')
const { createInventoryMenu } = require('../windows/inventory_menu')
const { createCraftingTableMenu } = require('../windows/crafting')
const { playerInventorySlots, createMenu } = require('../windows/menu')

const tools = createItemTools(registry)
const engine = createClickEngine(tools)
const book = createRecipeBook(registry)
const id = (name) => registry.itemsByName[name].id
const item = (name, count = 1) => tools.make(name, count)

// A player with a real prismarine-windows inventory, and a click context that records drops.
function setup () {
  const player = { inventory: windows.createWindow(0, 'minecraft:inventory', 'inv'), heldItemSlot: 0, gameMode: 0 }
  const dropped = []
  const ctx = {
    creative: false,
    drop: (it) => dropped.push(it),
    placeBack: (it) => {
      for (const k of [36, 37, 38, 39, 40, 41, 42, 43, 44, ...Array.from({ length: 27 }, (_, i) => 9 + i)]) {
        if (it.count <= 0 || player.inventory.slots[k]) continue
        player.inventory.updateSlot(k, tools.copy(it))
        it.count = 0
      }
      if (it.count > 0) dropped.push(it)
    },
    hotbarSlot: (b) => invSlots[b === 40 ? 45 : 36 + b]
  }
  const invSlots = playerInventorySlots(player, engine)
  const menu = createInventoryMenu({ invSlots, engine, book, tools, ctx: () => ctx })
  const put = (slot, name, count) => player.inventory.updateSlot(slot, item(name, count))
  const at = (slot) => {
    const it = player.inventory.slots[slot]
    return it ? `${it.name}x${it.count}` : null
  }
  const click = (slot, button, mode) => engine.doClick(menu, slot, button, mode, ctx)
  // a whole drag: start (-999), one click per slot, end (-999); type 0 left, 1 right, 2 middle
  const drag = (slots, type) => {
    click(-999, type * 4, 5)
    for (const s of slots) click(s, type * 4 + 1, 5)
    click(-999, type * 4 + 2, 5)
  }
  return { player, menu, ctx, dropped, invSlots, put, at, click, drag }
}

function total (player, menu, dropped, name) {
  let n = 0
  for (let i = 1; i < 46; i++) { const it = player.inventory.slots[i]; if (it && (!name || it.name === name)) n += it.count }
  if (menu.carried && (!name || menu.carried.name === name)) n += menu.carried.count
  for (const d of dropped) if (!name || d.name === name) n += d.count
  return n
}

test('left click picks up, places, merges up to the stack size and swaps different items', () => {
  const { menu, put, at, click } = setup()
  put(36, 'cobblestone', 40)
  put(37, 'cobblestone', 40)
  put(38, 'dirt', 5)
  click(36, 0, 0)
  assert.equal(menu.carried.count, 40)
  assert.equal(at(36), null)
  click(37, 0, 0) // merge: 64 in the slot, 16 left on the cursor
  assert.equal(at(37), 'cobblestonex64')
  assert.equal(menu.carried.count, 16)
  click(38, 0, 0) // different item: swap
  assert.equal(at(38), 'cobblestonex16')
  assert.equal(menu.carried.name, 'dirt')
  click(36, 0, 0)
  assert.equal(at(36), 'dirtx5')
  assert.equal(menu.carried, null)
})

test('right click takes the larger half, places one at a time and never overfills', () => {
  const { menu, put, at, click } = setup()
  put(9, 'oak_planks', 7)
  click(9, 1, 0)
  assert.equal(menu.carried.count, 4)
  assert.equal(at(9), 'oak_planksx3')
  click(10, 1, 0)
  click(10, 1, 0)
  assert.equal(at(10), 'oak_planksx2')
  assert.equal(menu.carried.count, 2)
  put(11, 'oak_planks', 64)
  click(11, 1, 0) // full stack: nothing moves
  assert.equal(at(11), 'oak_planksx64')
  assert.equal(menu.carried.count, 2)
})

test('shift click moves main inventory to the hotbar and back, and wears armour', () => {
  const { put, at, click } = setup()
  put(9, 'stone', 10)
  click(9, 0, 1)
  assert.equal(at(9), null)
  assert.equal(at(36), 'stonex10')
  click(36, 0, 1)
  assert.equal(at(9), 'stonex10')
  put(20, 'iron_helmet', 1)
  click(20, 0, 1)
  assert.equal(at(5), 'iron_helmetx1')
  put(21, 'iron_boots', 1)
  click(21, 0, 1)
  assert.equal(at(8), 'iron_bootsx1')
})

test('armour slots take only matching armour, one at a time', () => {
  const { menu, put, at, click } = setup()
  put(36, 'dirt', 3)
  click(36, 0, 0)
  click(5, 0, 0) // dirt is no helmet
  assert.equal(at(5), null)
  assert.equal(menu.carried.count, 3)
})

test('number keys swap with the hotbar and the offhand (mode 2)', () => {
  const { put, at, click } = setup()
  put(9, 'stone', 5)
  put(38, 'dirt', 7)
  click(9, 2, 2) // swap slot 9 with hotbar slot 2 (window slot 38)
  assert.equal(at(9), 'dirtx7')
  assert.equal(at(38), 'stonex5')
  click(9, 40, 2) // offhand
  assert.equal(at(45), 'dirtx7')
  assert.equal(at(9), null)
  click(38, 2, 2) // a hotbar slot swapped with itself stays as it is
  assert.equal(at(38), 'stonex5')
  click(45, 40, 2)
  assert.equal(at(45), 'dirtx7')
})

test('throwing drops one item or the whole stack (mode 4), and a click outside drops the cursor', () => {
  const { menu, put, at, click, dropped } = setup()
  put(36, 'stone', 5)
  click(36, 0, 4)
  assert.equal(at(36), 'stonex4')
  assert.equal(dropped.at(-1).count, 1)
  click(36, 1, 4)
  assert.equal(at(36), null)
  assert.equal(dropped.at(-1).count, 4)
  put(37, 'dirt', 10)
  click(37, 0, 0)
  click(-999, 1, 0) // right click outside: one
  assert.equal(menu.carried.count, 9)
  click(-999, 0, 0) // left click outside: all
  assert.equal(menu.carried, null)
  assert.equal(dropped.reduce((n, d) => n + d.count, 0), 15)
})

test('left drag splits the cursor evenly, right drag places one per slot (mode 5)', () => {
  const { menu, put, at, click, drag } = setup()
  put(36, 'stone', 10)
  click(36, 0, 0)
  drag([9, 10, 11], 0)
  assert.deepEqual([at(9), at(10), at(11)], ['stonex3', 'stonex3', 'stonex3'])
  assert.equal(menu.carried.count, 1)
  put(37, 'dirt', 5)
  click(12, 0, 0) // put the last stone down
  click(37, 0, 0)
  drag([20, 21], 1)
  assert.deepEqual([at(20), at(21)], ['dirtx1', 'dirtx1'])
  assert.equal(menu.carried.count, 3)
})

test('a drag interrupted by another click is cancelled and keeps every item', () => {
  const { player, menu, put, click, dropped } = setup()
  put(36, 'stone', 10)
  click(36, 0, 0)
  click(-999, 0, 5)
  click(9, 1, 5)
  click(10, 0, 0) // not a drag click: ends the drag without placing
  assert.equal(total(player, menu, dropped, 'stone'), 10)
  click(-999, 0, 5)
  click(-999, 0, 5) // start twice: reset
  assert.equal(total(player, menu, dropped, 'stone'), 10)
})

test('double click gathers matching stacks onto the cursor (mode 6)', () => {
  const { menu, put, at, click } = setup()
  put(36, 'stone', 10)
  put(9, 'stone', 20)
  put(10, 'stone', 40)
  click(36, 0, 0)
  click(36, 0, 6)
  assert.equal(menu.carried.count, 64)
  assert.equal(at(9), null)
  assert.equal(at(10), 'stonex6')
})

test('middle click clones only in creative (mode 3)', () => {
  const { menu, ctx, put, click } = setup()
  put(36, 'diamond', 1)
  click(36, 2, 3)
  assert.equal(menu.carried, null)
  ctx.creative = true
  click(36, 2, 3)
  assert.equal(menu.carried.count, 64)
})

test('the 2x2 grid crafts: the result follows the grid, taking it consumes one of each', () => {
  const { menu, put, at, click } = setup()
  put(1, 'oak_log', 2)
  assert.equal(menu.slots[0].get().name, 'oak_planks')
  click(0, 0, 0)
  assert.equal(menu.carried.count, 4)
  assert.equal(at(1), 'oak_logx1')
  click(0, 0, 0) // same item on the cursor: the whole result joins it
  assert.equal(menu.carried.count, 8)
  assert.equal(at(1), null)
  assert.equal(menu.slots[0].get(), null)
  click(0, 0, 0) // nothing to craft: nothing happens
  assert.equal(menu.carried.count, 8)
})

test('shift click on the result crafts as many as the grid allows', () => {
  const { player, menu, put, at, click, dropped } = setup()
  put(1, 'oak_planks', 5)
  put(3, 'oak_planks', 5)
  click(0, 0, 1)
  assert.equal(at(44), 'stickx20') // vanilla fills from the end of the hotbar
  assert.equal(at(1), null)
  assert.equal(at(3), null)
  assert.equal(total(player, menu, dropped, 'stick'), 20)
})

test('a 2x2 grid cannot make a 3x3 recipe; the crafting table can, shifted and mirrored', () => {
  const { player, ctx, invSlots } = setup()
  const table = createCraftingTableMenu({ id: 1, typeId: 12, invSlots, engine, book, tools, ctx: () => ctx })
  const grid = (cells) => cells.forEach((n, i) => { table.grid[i] = n ? item(n, 1) : null })
  // wooden axe: planks planks / planks stick / _ stick, here in its mirrored form in the right-hand columns
  grid(['oak_planks', 'oak_planks', null, 'stick', 'oak_planks', null, 'stick', null, null])
  assert.equal(table.slots[0].get()?.name, 'wooden_axe')
  grid([null, 'oak_planks', 'oak_planks', null, 'oak_planks', 'stick', null, null, 'stick'])
  assert.equal(table.slots[0].get()?.name, 'wooden_axe')
  grid([null, 'oak_planks', 'oak_planks', null, 'stick', 'oak_planks', null, 'stick', null])
  assert.equal(table.slots[0].get()?.name, 'wooden_axe')
  grid(['oak_planks', 'stick', null, null, 'oak_planks', null, null, null, 'oak_planks'])
  assert.equal(table.slots[0].get(), null)
  // shapeless: a book from paper x3 and leather in any cells
  grid(['paper', null, 'leather', null, null, 'paper', 'paper', null, null])
  assert.equal(table.slots[0].get()?.name, 'book')
  // closing gives the grid back
  table.onClose(ctx)
  assert.equal(table.grid.filter(Boolean).length, 0)
  const names = player.inventory.slots.filter(Boolean).map(i => i.name).sort()
  assert.deepEqual(names, ['leather', 'paper', 'paper', 'paper'])
  assert.equal(book.match([id('oak_planks'), id('oak_planks'), id('oak_planks'), null], 2), null)
})

test('craft remainders: milk buckets leave buckets in the table grid, honey bottles go to the inventory', () => {
  const { player, ctx, invSlots, menu, put, click } = setup()
  const table = createCraftingTableMenu({ id: 1, typeId: 12, invSlots, engine, book, tools, ctx: () => ctx })
  const cake = ['milk_bucket', 'milk_bucket', 'milk_bucket', 'sugar', 'egg', 'sugar', 'wheat', 'wheat', 'wheat']
  cake.forEach((n, i) => { table.grid[i] = item(n, 1) })
  assert.equal(table.slots[0].get()?.name, 'cake')
  engine.doClick(table, 0, 0, 0, ctx)
  assert.equal(table.carried.name, 'cake')
  assert.deepEqual(table.grid.map(i => i?.name ?? null), ['bucket', 'bucket', 'bucket', null, null, null, null, null, null])
  put(1, 'honey_bottle', 1)
  assert.equal(menu.slots[0].get()?.name, 'sugar')
  click(0, 0, 0)
  assert.equal(menu.carried.name, 'sugar')
  assert.equal(player.inventory.slots[1], null)
  assert.ok(player.inventory.slots.some(i => i && i.name === 'glass_bottle'))
})

test('recipe book holds every minecraft-data recipe with no conflicting patterns', () => {
  assert.equal(book.recipes.length, 1557)
  assert.equal(book.conflicts, 0)
})

test('random clicks never create or lose items (fuzz)', () => {
  const { player, menu, put, click, dropped } = setup()
  const names = ['stone', 'dirt', 'oak_planks', 'iron_helmet', 'stick', 'diamond_sword']
  const random = require('../util/random').createRandom(12345)
  const rnd = (n) => Math.floor(random.next() * n)
  for (let i = 9; i < 46; i++) {
    if (rnd(3) !== 0) continue
    const name = names[rnd(names.length)]
    put(i, name, Math.min(1 + rnd(30), registry.itemsByName[name].stackSize))
  }
  const before = Object.fromEntries(names.map(n => [n, total(player, menu, dropped, n)]))
  const buttons = { 0: [0, 1], 1: [0, 1], 2: [0, 1, 2, 8, 40], 4: [0, 1], 5: [0, 1, 2, 4, 5, 6], 6: [0] }
  for (let k = 0; k < 5000; k++) {
    const mode = [0, 1, 2, 4, 5, 6][rnd(6)]
    const slot = rnd(10) === 0 ? -999 : 5 + rnd(41) // no crafting grid: the fuzz checks conservation only
    const b = buttons[mode][rnd(buttons[mode].length)]
    click(slot, b, mode)
    for (let i = 1; i < 46; i++) {
      const it = player.inventory.slots[i]
      if (it) assert.ok(it.count > 0 && it.count <= it.stackSize, `slot ${i} holds ${it.count} ${it.name}`)
    }
  }
  const after = Object.fromEntries(names.map(n => [n, total(player, menu, dropped, n)]))
  assert.deepEqual(after, before)
})

test('a menu refuses to place into its output slots', () => {
  const items = [null, null]
  const slots = [
    engine.storageSlot(() => items[0], (it) => { items[0] = it }),
    engine.storageSlot(() => items[1], (it) => { items[1] = it }, { mayPlace: () => false })
  ]
  const menu = createMenu({ id: 1, type: 't', slots, invStart: 2, quickMove: () => null })
  menu.carried = item('coal', 3)
  engine.doClick(menu, 1, 0, 0, { drop: () => {}, placeBack: () => {}, hotbarSlot: () => slots[0] })
  assert.equal(items[1], null)
  assert.equal(menu.carried.count, 3)
})

test('random clicks in a crafting table window never create or lose items, except by crafting (fuzz)', () => {
  const { player, ctx, invSlots, put, dropped } = setup()
  const table = createCraftingTableMenu({ id: 1, typeId: 12, invSlots, engine, book, tools, ctx: () => ctx })
  const random = require('../util/random').createRandom(99)
  const rnd = (n) => Math.floor(random.next() * n)
  const names = ['cobblestone', 'dirt', 'iron_ingot', 'stick', 'diamond_pickaxe']
  for (let i = 9; i < 45; i++) if (rnd(2) === 0) put(i, names[rnd(names.length)], 1)
  const count = () => {
    let n = 0
    for (let i = 1; i < 46; i++) n += player.inventory.slots[i]?.count || 0
    for (const it of table.grid) n += it?.count || 0
    return n + (table.carried?.count || 0) + dropped.reduce((s, d) => s + d.count, 0)
  }
  const before = count()
  const buttons = { 0: [0, 1], 1: [0, 1], 2: [0, 4, 8], 4: [0, 1], 5: [0, 1, 2, 4, 5, 6], 6: [0] }
  for (let k = 0; k < 5000; k++) {
    const mode = [0, 1, 2, 4, 5, 6][rnd(6)]
    const slot = rnd(10) === 0 ? -999 : 1 + rnd(45) // never the result slot
    const b = buttons[mode][rnd(buttons[mode].length)]
    engine.doClick(table, slot, b, mode, ctx)
  }
  assert.equal(count(), before)
})
