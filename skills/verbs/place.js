'use strict'
// place:<block>: place a block from the inventory on free ground next to the bot.
const { placeFromInventory } = require('../lib/stations')

function isPlaceable (target, registry) {
  return Object.hasOwn(registry.itemsByName, target) && Object.hasOwn(registry.blocksByName, target) && !/air$/.test(target)
}

module.exports = {
  verb: 'place',
  target: 'block',
  description: target => `place a ${target} block from the inventory on the ground next to the bot`,
  args: {},
  validTarget: isPlaceable,
  run: async (ctx, target) => {
    ctx.progress(`placing ${target}`)
    const block = await placeFromInventory(ctx, target)
    ctx.progress(`placed ${target} at ${block.position}`)
    const { x, y, z } = block.position
    return { block: target, position: { x, y, z } }
  }
}
