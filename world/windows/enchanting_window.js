'use strict'
// The enchanting table window (minecraft:enchantment): slot 0 the item (one at a time), slot 1 lapis, then the
// player's inventory. Offers come from vanilla/enchanting.js (vanilla's formula and minecraft-data's
// enchantments) with the bookshelves around the table and the player's enchantment seed, which changes
// after every enchanting as in vanilla.
// Window properties, as mineflayer's enchantment_table.js reads them: 0-2 the offers' level requirements
// (0 = no offer), 3 the seed (vanilla sends seed & -16), 4-6 the shown enchantment ids (-1 none), 7-9 their
// levels (-1 none).
// Choosing offer i (the enchant_item packet, vanilla's container button click) needs i+1 lapis and at least
// the offer's level, and costs i+1 lapis and i+1 levels.
const { Vec3 } = require('vec3')
const { rawEnchantments } = require('../util/item_components')
const enchanting = require('../vanilla/enchanting')
const { createMenu } = require('./menu')

// Blocks a bookshelf's power passes through (vanilla #enchantment_power_transmitter = #replaceable).
const TRANSMITTERS = new Set(['air', 'cave_air', 'void_air', 'water', 'lava', 'short_grass', 'tall_grass', 'fern',
  'large_fern', 'dead_bush', 'seagrass', 'tall_seagrass', 'fire', 'soul_fire', 'snow', 'vine', 'glow_lichen', 'light',
  'structure_void', 'crimson_roots', 'warped_roots', 'nether_sprouts', 'hanging_roots'])

// EnchantingTableBlock.BOOKSHELF_OFFSETS: the ring two blocks out, at the table's height and one above.
const BOOKSHELF_OFFSETS = (() => {
  const out = []
  for (let x = -2; x <= 2; x++) {
    for (let z = -2; z <= 2; z++) {
      if (Math.abs(x) !== 2 && Math.abs(z) !== 2) continue
      for (let y = 0; y <= 1; y++) out.push(new Vec3(x, y, z))
    }
  }
  return out
})()

/** Bookshelves that power the table at `pos` (each needs the block halfway to it to let power through). */
async function countBookshelves (world, pos) {
  let n = 0
  for (const off of BOOKSHELF_OFFSETS) {
    const shelf = await world.getBlock(pos.plus(off))
    if (!shelf || shelf.name !== 'bookshelf') continue
    // Java's integer division truncates towards zero: offset 1 -> 0, 2 -> 1.
    const between = await world.getBlock(pos.offset(Math.trunc(off.x / 2), off.y, Math.trunc(off.z / 2)))
    if (between && TRANSMITTERS.has(between.name)) n++
  }
  return n
}

function createEnchantingMenu ({ id, typeId, invSlots, engine, tools, player, serv, position, world, bookshelves, log, newSeed }) {
  const items = [null, null]
  const storage = (i, options) => engine.storageSlot(() => items[i], (item) => { items[i] = item && item.count > 0 ? item : null }, options)
  const slots = [
    storage(0, { maxStack: 1 }),
    storage(1, { mayPlace: (item) => item.name === 'lapis_lazuli' }),
    ...invSlots.slice(9, 45)
  ]
  let cacheKey = null
  let cacheOffers = [null, null, null]

  function offers () {
    const item = items[0]
    const enchanted = rawEnchantments(item).length > 0
    const key = item ? `${item.name}|${enchanted}|${bookshelves}|${player.enchantmentSeed}` : ''
    if (key !== cacheKey) {
      cacheKey = key
      cacheOffers = [null, null, null]
      if (item && !enchanted && item.count === 1 && enchanting.enchantability(item.name) > 0) {
        try {
          cacheOffers = enchanting.computeOffers({ itemName: item.name, bookshelves, seed: player.enchantmentSeed, registry: serv.registry, enchanted })
        } catch (err) {
          log.error(`enchanting offers for ${item.name}: ${err.stack || err}`)
        }
      }
    }
    return cacheOffers
  }

  function properties () {
    const o = offers()
    const seedShown = ((player.enchantmentSeed & -16) << 16) >> 16 // the property is a 16-bit short
    return [
      ...o.map(x => x ? x.cost : 0),
      seedShown,
      ...o.map(x => x ? x.enchantmentId : -1),
      ...o.map(x => x ? x.enchantment.level : -1)
    ]
  }

  // EnchantmentMenu.clickMenuButton
  function clickButton (choice) {
    if (!Number.isInteger(choice) || choice < 0 || choice > 2) return refuse(`no offer number ${choice}`)
    const offer = offers()[choice]
    const item = items[0]
    const lapis = items[1]
    const need = choice + 1
    const creative = player.gameMode === 1
    if (!offer || !item) return refuse('nothing is offered there')
    if (!creative && (!lapis || lapis.count < need)) return refuse(`needs ${need} lapis lazuli`)
    const level = player.xpLevel ?? player.level ?? 0
    if (!creative && (level < need || level < offer.cost)) return refuse(`needs level ${offer.cost}, has ${level}`)
    if (!creative && typeof player.spendXpLevels !== 'function') {
      log.error('enchanting: player.spendXpLevels is missing (experience plugin not loaded); refused')
      return false
    }
    let list
    try {
      list = enchanting.rollEnchantments({ itemName: item.name, level: offer.cost, seed: player.enchantmentSeed, optionIndex: choice, registry: serv.registry })
    } catch (err) {
      log.error(`enchanting ${item.name}: ${err.stack || err}`)
      return false
    }
    if (!list.length) return refuse('the offer rolls no enchantment')
    if (!creative) player.spendXpLevels(need)
    player.enchantmentSeed = newSeed()
    items[0] = enchanted(item, list)
    if (!creative) {
      lapis.count -= need
      items[1] = lapis.count > 0 ? lapis : null
    }
    serv.emit('itemEnchanted', { player, item: items[0], enchantments: list, levels: need })
    return true

    function refuse (why) {
      log.info(`${player.username} cannot enchant: ${why}`)
      return false
    }
  }

  // A book becomes an enchanted book holding the enchantments (stored_enchantments); anything else gets the
  // `enchantments` component, which mineflayer shows as item.enchants.
  function enchanted (item, list) {
    const isBook = item.name === 'book'
    const out = isBook ? tools.make('enchanted_book', 1) : tools.copy(item, 1)
    const type = isBook ? 'stored_enchantments' : 'enchantments'
    const entries = list.map(e => ({ id: serv.registry.enchantmentsByName[e.name].id, level: e.level }))
    const data = isBook ? { enchantments: entries, showInTooltip: true } : { enchantments: entries, showTooltip: true }
    out.components = (out.components || []).filter(c => c.type !== type).concat([{ type, data }])
    out.componentMap = new Map(out.components.map(c => [c.type, c]))
    return out
  }

  const menu = createMenu({
    id,
    type: 'minecraft:enchantment',
    typeId,
    title: 'container.enchant',
    slots,
    invStart: 2,
    position,
    world,
    blockName: 'enchanting_table',
    items,
    quickMove: (index, c) => {
      if (index === 0 || index === 1) return engine.quickMoveBy(menu, index, [[2, 38, true]], c)
      const item = slots[index].get()
      if (item && item.name === 'lapis_lazuli') return engine.quickMoveBy(menu, index, [[1, 2, true]], c)
      return engine.quickMoveBy(menu, index, [(stack) => {
        if (items[0]) return false
        items[0] = tools.copy(stack, 1)
        stack.count -= 1
        return true
      }], c)
    },
    properties,
    clickButton,
    onClose: (c) => {
      for (let i = 0; i < 2; i++) {
        const item = items[i]
        items[i] = null
        if (item) c.placeBack(item)
      }
    }
  })
  return menu
}

module.exports = { createEnchantingMenu, countBookshelves, BOOKSHELF_OFFSETS }
