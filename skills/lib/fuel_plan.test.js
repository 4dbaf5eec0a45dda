'use strict'
// The furnace plan without a world: what smelts into what, and which fuel is burnt.
const test = require('node:test')
const assert = require('node:assert/strict')
const { COOK_TICKS, inputsFor, planFuel } = require('./fuel_plan')

test('inputsFor names the raw inputs of an output, and nothing for what is not smelted', () => {
  assert.deepEqual(inputsFor('iron_ingot').sort(), ['deepslate_iron_ore', 'iron_ore', 'raw_iron'])
  assert.deepEqual(inputsFor('raw_iron'), [])
  assert.equal(COOK_TICKS, 200)
})

test('planFuel burns coal first, then planks, and only as much as the items need', () => {
  assert.deepEqual(planFuel({ coal: 3 }, 2, 'raw_iron'), [{ name: 'coal', units: 1 }])
  // 10 items = 2000 ticks: one coal (1600), then two planks (300 each)
  assert.deepEqual(planFuel({ oak_planks: 2, coal: 1 }, 10, 'raw_iron'), [{ name: 'coal', units: 1 }, { name: 'oak_planks', units: 2 }])
})

test('planFuel never burns the input being smelted, nor tools', () => {
  assert.equal(planFuel({ oak_log: 4 }, 2, 'oak_log'), null)
  assert.equal(planFuel({ wooden_pickaxe: 1, stick: 1 }, 1, 'raw_iron'), null)
})
