'use strict'
// What counts as lost between the state a bot left with and the one it came back to (./bot/continuity.js).
const test = require('node:test')
const assert = require('node:assert/strict')
const { compare, POSITION_TOLERANCE } = require('../bot/continuity')

const LEFT = {
  world: { id: 'a', game_time: 8815 },
  position: { x: 10, y: 64, z: 10 },
  health: 17,
  food: 18,
  xp_points: 40,
  inventory: { oak_log: 3, diamond_sword: 1 },
  equipment: { hand: 'diamond_sword', offhand: null, head: 'iron_helmet', chest: null, legs: null, feet: null },
  enchanted: { diamond_sword: 1 }
}
const back = changes => ({ ...structuredClone(LEFT), ...changes })
const kinds = result => result.lost.map(l => l.what)

test('the same state, later, in the same world loses nothing', () => {
  const result = compare(LEFT, back({ world: { id: 'a', game_time: 9000 }, health: 20, inventory: { oak_log: 4, diamond_sword: 1 } }))
  assert.deepEqual(result, { same_world: true, lost: [] })
})

test('each kind of loss is named, with what it was and what it is', () => {
  const result = compare(LEFT, back({
    world: { id: 'b', game_time: 18 },
    position: { x: 10 + POSITION_TOLERANCE + 1, y: 64, z: 10 },
    health: 20 - 10,
    food: 20 - 10,
    xp_points: 0,
    inventory: { oak_log: 1, diamond_sword: 1 },
    equipment: { ...LEFT.equipment, head: null },
    enchanted: {}
  }))
  assert.equal(result.same_world, false)
  assert.deepEqual(kinds(result), ['world', 'game_time', 'inventory', 'equipment', 'enchantments', 'xp', 'health', 'food', 'position'])
  assert.match(result.lost[1].message, /8815 → 18/)
  assert.match(result.lost[2].message, /oak_log 3 → 1/)
})

test('a server that sends no world id still tells a reset by the game time', () => {
  const result = compare({ ...LEFT, world: { id: null, game_time: 8815 } }, back({ world: { id: null, game_time: 40 } }))
  assert.equal(result.same_world, null)
  assert.deepEqual(kinds(result), ['game_time'])
})
