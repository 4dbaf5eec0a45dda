'use strict'
// Items on 1.20.5+ carry their state as data components ({type, data}) on the wire. prismarine-item reads
// the 'damage' component but its durability setter writes legacy NBT, which 1.21.4 clients never see; this
// module sets components so that what the server changes is what the client receives.

function setComponent (item, type, data) {
  if (!item.components) item.components = []
  if (!item.componentMap) item.componentMap = new Map()
  const existing = item.components.findIndex(c => c.type === type)
  const component = { type, data }
  if (existing >= 0) item.components[existing] = component
  else item.components.push(component)
  item.componentMap.set(type, component)
  if (item.removedComponents) item.removedComponents = item.removedComponents.filter(c => c.type !== type)
}

/** Durability used so far (0 for a new tool). */
function getDamage (item) {
  return item.componentMap?.get('damage')?.data ?? 0
}

function setDamage (item, value) {
  setComponent(item, 'damage', value)
  if (item.nbt) item.nbt = null // the legacy copy would disagree with the component
}

/** The raw enchantment list [{id, level}] of an item or an enchanted book (1.20.5+ components). */
function rawEnchantments (item) {
  const comp = (item?.components || []).find(c => c.type === 'enchantments' || c.type === 'stored_enchantments')
  return comp?.data?.enchantments || []
}

/**
 * Enchantments as [{name, lvl}], the form prismarine-block's digTime reads. On 1.21.4 prismarine-item's own
 * `item.enchants` returns the raw component ({enchantments: [{id, level}], showTooltip}) instead.
 */
function enchantsOf (item, registry) {
  return rawEnchantments(item)
    .map(e => ({ name: registry.enchantments[e.id]?.name, lvl: e.level }))
    .filter(e => e.name)
}

module.exports = { setComponent, getDamage, setDamage, rawEnchantments, enchantsOf }
