'use strict'
// Player data files as 1.21.4 writes them: a snapshot survives the trip through NBT, items keep their
// enchantments and damage, slots use vanilla's numbering, and a file without the player's state is refused.
const test = require('node:test')
const assert = require('node:assert/strict')
const zlib = require('zlib')
const nbt = require('prismarine-nbt')
const registry = require('prismarine-registry')(require('../vanilla/versions.json').minecraft)
const { writeFile, readFile } = require('../util/player_data')

const sharpness = registry.enchantmentsByName.sharpness.id
const SNAPSHOT = {
  position: { x: 10.5, y: 64, z: -3.25 },
  yaw: 90,
  pitch: -12.5,
  onGround: true,
  health: 13.5,
  food: 14,
  saturation: 1.5,
  exhaustion: 2.25,
  xp: 40,
  heldItemSlot: 1,
  gameMode: 0,
  inventory: [
    { slot: 36, name: 'oak_log', count: 5, components: [] },
    { slot: 37, name: 'diamond_sword', count: 1, components: [{ type: 'damage', data: 17 }, { type: 'enchantments', data: { enchantments: [{ id: sharpness, level: 2 }], showTooltip: true } }] },
    { slot: 20, name: 'enchanted_book', count: 1, components: [{ type: 'stored_enchantments', data: { enchantments: [{ id: sharpness, level: 1 }], showInTooltip: true } }] },
    { slot: 5, name: 'iron_helmet', count: 1, components: [] },
    { slot: 45, name: 'torch', count: 3, components: [] }
  ]
}

test('a snapshot comes back from its player data file unchanged', () => {
  assert.deepEqual(readFile(writeFile(SNAPSHOT, registry), registry), SNAPSHOT)
})

test('the file is 1.21.4 player data: vanilla slot numbers, item components, XP level and progress', () => {
  const data = nbt.simplify(nbt.parseUncompressed(zlib.gunzipSync(writeFile(SNAPSHOT, registry)), 'big'))
  assert.equal(data.DataVersion, registry.version.dataVersion)
  assert.deepEqual(data.Inventory.map(i => [i.Slot, i.id, i.count]),
    [[0, 'minecraft:oak_log', 5], [1, 'minecraft:diamond_sword', 1], [20, 'minecraft:enchanted_book', 1], [103, 'minecraft:iron_helmet', 1], [-106, 'minecraft:torch', 3]])
  assert.deepEqual(data.Inventory[1].components, { 'minecraft:damage': 17, 'minecraft:enchantments': { levels: { 'minecraft:sharpness': 2 } } })
  assert.equal(data.XpLevel, 4) // 40 points: levels of 7, 9, 11 and 13 points, then 0 of 15
  assert.equal(data.Health, 13.5)
})

test('a file without the player state is refused, not read as a dead player at the origin', () => {
  const partial = zlib.gzipSync(nbt.writeUncompressed(nbt.comp({ Pos: nbt.list(nbt.double([0, 0, 0])) }), 'big'))
  assert.throws(() => readFile(partial, registry), /without Rotation, Health/)
})
