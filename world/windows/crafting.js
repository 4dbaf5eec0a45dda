'use strict'
// Crafting grids (the inventory's 2x2 and the crafting table's 3x3) and their result slot.
// The result is not stored: it is what the grid makes right now, so it can never be out of date and never
// counts as an item anywhere (death drops, inventory comparisons). Taking it consumes one item from every
// filled cell and leaves craft remainders (buckets, bottles) in their cell, as vanilla's ResultSlot does.

const { createMenu } = require('./menu')

/**
 * cells: storage slots of the grid, row by row, `width` wide. onCrafted(item) is told of every craft.
 * remaindersToInventory: craft remainders go straight to the inventory instead of staying in their cell.
 * Returns {resultSlot, current(), consume(ctx)}.
 */
function createCraftingGrid ({ cells, width, book, tools, ctx, onCrafted = () => {}, remaindersToInventory = false }) {
  let cacheKey = null
  let cacheResult = null

  function current () {
    const ids = cells.map(s => s.get()?.type ?? null)
    const key = ids.join(',')
    if (key !== cacheKey) {
      cacheKey = key
      const recipe = book.match(ids, width)
      cacheResult = recipe ? new tools.Item(recipe.result.id, recipe.result.count) : null
    }
    return cacheResult
  }

  function consume () {
    for (const cell of cells) {
      const item = cell.get()
      if (!item) continue
      const remainderName = book.remainderOf(item.name)
      item.count -= 1
      cell.set(item.count > 0 ? item : null)
      if (!remainderName) continue
      const remainder = tools.make(remainderName, 1)
      const now = cell.get()
      if (remaindersToInventory) ctx().placeBack(remainder)
      else if (!now) cell.set(remainder)
      else if (tools.sameItem(now, remainder) && now.count < tools.maxStack(now)) {
        now.count += 1
        cell.set(now)
      } else ctx().placeBack(remainder)
    }
  }

  const resultSlot = {
    result: true,
    get: () => {
      const r = current()
      return r ? tools.copy(r) : null
    },
    set: () => {}, // the result follows the grid
    remove: () => {
      const r = current()
      return r ? tools.copy(r) : null
    },
    mayPlace: () => false,
    mayPickup: () => true,
    maxStackFor: (item) => tools.maxStack(item),
    onTake: (taken) => {
      consume()
      onCrafted(taken)
    }
  }

  return { resultSlot, current, consume, cells }
}

/** The crafting table window (minecraft:crafting): 0 result, 1-9 grid, 10-45 the player's inventory. */
function createCraftingTableMenu ({ id, typeId, invSlots, engine, book, tools, ctx, position, world, onCrafted }) {
  const grid = new Array(9).fill(null)
  const cells = grid.map((_, i) => engine.storageSlot(() => grid[i], (item) => { grid[i] = item && item.count > 0 ? item : null }))
  const crafting = createCraftingGrid({ cells, width: 3, book, tools, ctx, onCrafted })
  const slots = [crafting.resultSlot, ...cells, ...invSlots.slice(9, 45)]
  const menu = createMenu({
    id,
    type: 'minecraft:crafting',
    typeId,
    title: 'container.crafting',
    slots,
    invStart: 10,
    craftingSlots: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    position,
    world,
    blockName: 'crafting_table',
    grid,
    quickMove: (index, c) => {
      if (index === 0) return engine.quickMoveBy(menu, 0, [[10, 46, true]], c)
      if (index >= 10 && index < 46) {
        return engine.quickMoveBy(menu, index, [[1, 10, false], index < 37 ? [37, 46, false] : [10, 37, false]], c)
      }
      return engine.quickMoveBy(menu, index, [[10, 46, false]], c)
    },
    // Closing gives the grid back to the inventory (what does not fit drops), as vanilla's clearContainer.
    onClose: (c) => {
      for (let i = 0; i < 9; i++) {
        const item = grid[i]
        grid[i] = null
        if (item) c.placeBack(item)
      }
    }
  })
  return menu
}

module.exports = { createCraftingGrid, createCraftingTableMenu }
