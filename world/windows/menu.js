'use strict'
// What every menu (window) shares: the player-inventory slots, the equipment rules of the armour slots, and
// the plain menu object the click engine and the session work on.
//
// Window slot numbers follow the protocol. The player's own inventory window (id 0) is the 46 slots of
// player.inventory (0 craft result, 1-4 craft grid, 5-8 armour, 9-35 main, 36-44 hotbar, 45 offhand); a
// container window puts its own slots first and then the 36 main+hotbar slots (player.inventory 9-44).

const { newDragState } = require('./click_engine')

const ARMOR_SLOT_BY_SUFFIX = [
  ['_helmet', 5], ['_chestplate', 6], ['_leggings', 7], ['_boots', 8]
]
const HEAD_ITEMS = new Set(['carved_pumpkin', 'skeleton_skull', 'wither_skeleton_skull', 'zombie_head', 'player_head',
  'creeper_head', 'dragon_head', 'piglin_head'])

/** The inventory window slot (5-8) an item is worn in, 45 for the offhand-only shield, or null. */
function equipmentSlotOf (item) {
  if (!item || !item.name) return null
  if (item.name === 'elytra') return 6
  if (item.name === 'shield') return 45
  if (HEAD_ITEMS.has(item.name)) return 5
  for (const [suffix, slot] of ARMOR_SLOT_BY_SUFFIX) if (item.name.endsWith(suffix)) return slot
  return null
}

/** Storage slots over player.inventory, indexed like the inventory window (0 unused: the result is virtual). */
function playerInventorySlots (player, engine) {
  const inv = player.inventory
  const slots = []
  for (let k = 0; k < inv.slots.length; k++) {
    const get = () => inv.slots[k] || null
    const set = (item) => inv.updateSlot(k, item && item.count > 0 ? item : null)
    if (k >= 5 && k <= 8) {
      slots.push(engine.storageSlot(get, set, { maxStack: 1, mayPlace: (item) => equipmentSlotOf(item) === k }))
    } else {
      slots.push(engine.storageSlot(get, set))
    }
  }
  return slots
}

/** A menu object; see click_engine.js for what the engine reads. */
function createMenu ({ id, type, typeId = null, title = null, slots, invStart, quickMove, craftingSlots = [], ...rest }) {
  return {
    id,
    type,
    typeId,
    title,
    slots,
    invStart, // first window slot of the player's 36 main+hotbar slots
    craftingSlots, // a click on one of these is always answered with the result slot (mineflayer waits for it)
    quickMove,
    carried: null,
    drag: newDragState(),
    properties: () => null,
    clickButton: () => false,
    onClose: () => {},
    stillValid: () => true,
    remote: new Array(slots.length).fill(undefined), // what the client is believed to show, per slot
    remoteCarried: '',
    remoteProps: [],
    ...rest
  }
}

module.exports = { equipmentSlotOf, playerInventorySlots, createMenu }
