'use strict'
// What a furnace smelts into what (the world's vanilla table), and which fuel in the inventory to burn.
const { smelting } = require('./world_package')

const COOK_TICKS = smelting.COOK_TICKS // 200 ticks (10 s) an item

/** Inputs that smelt into `output`, in the server's table. */
function inputsFor (output) {
  return [...smelting.SMELTING].filter(([, r]) => r.result === output).map(([input]) => input)
}

// Fuels the skill may burn, most preferred first (tools, boats, wool... are never burnt).
const FUEL_CLASSES = [
  n => n === 'coal',
  n => n === 'charcoal',
  n => n.endsWith('_planks'),
  n => /_(log|wood)$/.test(n),
  n => n === 'stick'
]

/** Fuel to cook `items` items without burning `input`: [{name, units}] or null when there is not enough. */
function planFuel (inv, items, input) {
  let ticks = items * COOK_TICKS
  const plan = []
  for (const cls of FUEL_CLASSES) {
    const names = Object.keys(inv).filter(n => inv[n] > 0 && n !== input && cls(n) && smelting.fuelTicks(n) > 0)
      .sort((a, b) => inv[b] - inv[a])
    for (const name of names) {
      if (ticks <= 0) break
      const burn = smelting.fuelTicks(name)
      const units = Math.min(inv[name], Math.ceil(ticks / burn), 64)
      plan.push({ name, units })
      ticks -= units * burn
    }
  }
  return ticks <= 0 ? plan : null
}

module.exports = { COOK_TICKS, inputsFor, planFuel }
