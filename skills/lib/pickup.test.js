'use strict'
// Finding dropped items without a world: an item entity whose metadata has not arrived yet (mineflayer's
// getDroppedItem() then throws "Cannot read properties of undefined (reading 'present')") is passed over
// instead of failing the skill that looks for drops.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Vec3 } = require('vec3')
const { itemEntities, droppedName } = require('./pickup')

function itemEntity (id, x, name) {
  const getDroppedItem = name ? () => ({ name, count: 1 }) : () => { const metadata = []; return metadata[8].present }
  return { id, name: 'item', position: new Vec3(x, 64, 0), getDroppedItem }
}

test('an item entity without its metadata yet is passed over when names are asked for, and kept when any item will do', () => {
  const bot = {
    entity: { position: new Vec3(0, 64, 0) },
    entities: { 1: itemEntity(1, 1, null), 2: itemEntity(2, 2, 'raw_iron'), 3: itemEntity(3, 3, 'cobblestone') }
  }
  assert.equal(droppedName(bot.entities[1]), null)
  assert.equal(droppedName(bot.entities[2]), 'raw_iron')
  assert.deepEqual(itemEntities(bot, new Vec3(0, 64, 0), 6, ['raw_iron']).map(e => e.id), [2])
  assert.deepEqual(itemEntities(bot, new Vec3(0, 64, 0), 6, null).map(e => e.id), [1, 2, 3])
})
