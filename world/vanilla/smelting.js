'use strict'
// Furnace recipes and fuel burn times of vanilla Java 1.21.4 (smelting.json, fuels.json), indexed by item.
// minecraft-data has neither table, so they are written by hand from vanilla's recipe files (experience per
// item, 200 ticks each) and its fuel table (FuelValues, burn time in ticks). Every item name is checked
// against minecraft-data when this module loads, so a typo or a renamed item fails loudly instead of
// silently never smelting. Nether wood (crimson, warped) is non-flammable: neither charcoal nor fuel.
const mcData = require('minecraft-data')
const { expand } = require('./families')
const { minecraft: VERSION } = require('./versions.json')
const smeltingTable = require('./smelting.json')
const fuelTable = require('./fuels.json')

const COOK_TICKS = smeltingTable.cook_ticks // every furnace recipe in vanilla takes 10 s

function buildSmelting () {
  const t = new Map()
  for (const { result, xp, inputs } of smeltingTable.recipes.flatMap(expand)) {
    for (const input of inputs) t.set(input, { result, xp })
  }
  return t
}

function buildFuel () {
  const t = new Map()
  for (const { ticks, items, except = [] } of fuelTable.burn_ticks.flatMap(expand)) {
    for (const item of items) if (!except.includes(item)) t.set(item, ticks)
  }
  return t
}

const REMAINDERS = new Map(Object.entries(fuelTable.remainders))

/** Throw if any name is not an item of `registry`; `what` names the table in the message. */
function validateNames (names, registry, what) {
  const missing = [...names].filter(n => !registry.itemsByName[n])
  if (missing.length > 0) {
    throw new Error(`${what}: not items in minecraft-data ${registry.version.minecraftVersion}: ${missing.join(', ')}`)
  }
}

const SMELTING = buildSmelting()
const FUEL = buildFuel()

{
  const registry = mcData(VERSION)
  validateNames(SMELTING.keys(), registry, 'smelting inputs')
  validateNames([...SMELTING.values()].map(r => r.result), registry, 'smelting results')
  validateNames(FUEL.keys(), registry, 'fuels')
  validateNames([...REMAINDERS.keys(), ...REMAINDERS.values()], registry, 'fuel remainders')
}

/** What one `itemName` smelts into and the XP it is worth, or null when it does not smelt. */
function smeltingResult (itemName) {
  const r = SMELTING.get(itemName)
  return r ? { result: r.result, xp: r.xp } : null
}

/** Burn time of one `itemName` in ticks; 0 when it is not a fuel. */
function fuelTicks (itemName) {
  return FUEL.get(itemName) ?? 0
}

/** The item a fuel leaves in the fuel slot once burnt (lava_bucket -> bucket), or null. */
function remainderOf (itemName) {
  return REMAINDERS.get(itemName) ?? null
}

module.exports = { COOK_TICKS, smeltingResult, fuelTicks, remainderOf, validateNames, SMELTING, FUEL }
