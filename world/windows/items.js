'use strict'
// Item stacks as the windows handle them. Three needs:
//  - copies that share nothing with the original (a stack must never sit in two slots at once);
//  - vanilla's "same item" (same type and same components), which decides stacking;
//  - a key of what the client sees of a stack (its network form), to tell whether the client's view of a
//    slot differs from the server's.
// On 1.21.4 the network form of a stack is its type, count and components; prismarine-item also keeps an
// `nbt` that is never sent (it holds e.g. the tool damage the digging plugin tracks), so copies keep it too.
const { enchantsOf } = require('../util/item_components')

function createItemTools (registry) {
  const Item = require('prismarine-item')(registry)

  /** A new stack of `count` items like `item` (components and server-side nbt included). */
  function copy (item, count = item.count) {
    const c = new Item(item.type, count, item.metadata, item.nbt ? structuredClone(item.nbt) : null)
    c.nbt = item.nbt ? structuredClone(item.nbt) : null
    if (item.components) {
      c.components = structuredClone(item.components)
      c.removedComponents = structuredClone(item.removedComponents || [])
      c.componentMap = new Map(c.components.map(comp => [comp.type, comp]))
    }
    return c
  }

  /** A new stack of `count` of the item named `name`, or null for an unknown name. */
  function make (name, count = 1) {
    const def = registry.itemsByName[name]
    return def ? new Item(def.id, count) : null
  }

  // The nbt of 1.21.4 items is server-side only; a fresh tool carries {Damage: 0}, which means "no damage",
  // the same as no nbt at all.
  function nbtKey (item) {
    const value = item.nbt?.value
    if (!value) return ''
    const keys = Object.keys(value)
    if (keys.length === 0) return ''
    if (keys.length === 1 && keys[0] === 'Damage' && !value.Damage.value) return ''
    return JSON.stringify(item.nbt)
  }

  /** Vanilla ItemStack.isSameItemSameComponents: the stacks may merge. */
  function sameItem (a, b) {
    if (!a || !b) return false
    return a.type === b.type &&
      JSON.stringify(a.components || []) === JSON.stringify(b.components || []) &&
      JSON.stringify(a.removedComponents || []) === JSON.stringify(b.removedComponents || []) &&
      nbtKey(a) === nbtKey(b)
  }

  /** What the client sees of a stack, as a string; '' for an empty slot. Accepts Items or network stacks. */
  function clientKey (item) {
    if (!item) return ''
    // Items may come from any prismarine-item loader (other plugins make their own), so no instanceof.
    if (item.itemId === undefined && typeof item.type === 'number') return notchKey(Item.toNotch(item))
    return notchKey(item)
  }

  function notchKey (n) {
    if (!n || typeof n !== 'object' || !(n.itemCount > 0)) return ''
    return `${n.itemId}|${n.itemCount}|${safeJson(n.components)}|${safeJson(n.removeComponents)}`
  }

  function maxStack (item) {
    return item ? Math.max(1, item.stackSize || 1) : 64
  }

  return { Item, copy, make, sameItem, clientKey, maxStack, enchantsOf: (item) => enchantsOf(item, registry), toNotch: (item) => Item.toNotch(item || null) }
}

function safeJson (v) {
  try {
    return JSON.stringify(v ?? [], (k, x) => typeof x === 'bigint' ? x.toString() : x)
  } catch {
    return '?'
  }
}

module.exports = { createItemTools }
