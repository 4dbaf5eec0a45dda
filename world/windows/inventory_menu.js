'use strict'
// The player's own window (id 0, minecraft:inventory) with its 2x2 crafting grid (slots 1-4, stored in
// player.inventory) and its virtual result slot 0. Shift-click routes follow vanilla's InventoryMenu.
// One deliberate difference: a craft remainder (the glass bottle of a honey bottle) goes to the inventory at
// once. Vanilla leaves it in the grid until the inventory screen closes, but a mineflayer bot never closes
// its inventory and clears its own view of the grid after bot.craft, so it would never see the bottle and
// its next 2x2 craft would find the grid taken.

const { createMenu, equipmentSlotOf } = require('./menu')
const { createCraftingGrid } = require('./crafting')

function createInventoryMenu ({ invSlots, engine, book, tools, ctx, onCrafted }) {
  const cells = [invSlots[1], invSlots[2], invSlots[3], invSlots[4]]
  const crafting = createCraftingGrid({ cells, width: 2, book, tools, ctx, onCrafted, remaindersToInventory: true })
  const slots = [crafting.resultSlot, ...invSlots.slice(1)]
  const menu = createMenu({
    id: 0,
    type: 'minecraft:inventory',
    slots,
    invStart: 9,
    craftingSlots: [0, 1, 2, 3, 4],
    isInventory: true,
    crafting,
    quickMove: (index, c) => engine.quickMoveBy(menu, index, routesFor(menu, index), c),
    // Closing the inventory screen gives the grid back, as vanilla's InventoryMenu.removed.
    onClose: (c) => {
      for (const cell of cells) {
        const item = cell.get()
        if (!item) continue
        cell.set(null)
        c.placeBack(item)
      }
    }
  })
  return menu
}

function routesFor (menu, index) {
  if (index === 0) return [[9, 45, true]]
  if (index >= 1 && index < 9) return [[9, 45, false]]
  const item = menu.slots[index].get()
  const worn = equipmentSlotOf(item)
  if (worn !== null && worn !== index && !menu.slots[worn].get()) return [[worn, worn + 1, false]]
  if (index >= 9 && index < 36) return [[36, 45, false]]
  if (index >= 36 && index < 45) return [[9, 36, false]]
  return [[9, 45, false]]
}

module.exports = { createInventoryMenu }
