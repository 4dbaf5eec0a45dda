'use strict'
// A flat stone-and-grass world: the stage for tests of single mechanics (digging, crafting, containers)
// where terrain would only add noise. The real world is generator/index.js.
const { Vec3 } = require('vec3')

module.exports = function flatWorld ({ registry }) {
  const Chunk = require('prismarine-chunk')(registry)
  const ids = {
    bedrock: registry.blocksByName.bedrock.defaultState,
    stone: registry.blocksByName.stone.defaultState,
    dirt: registry.blocksByName.dirt.defaultState,
    grass: registry.blocksByName.grass_block.defaultState
  }
  return () => {
    const chunk = new Chunk({ minY: -64, worldHeight: 384 })
    const p = new Vec3(0, 0, 0)
    for (p.x = 0; p.x < 16; p.x++) {
      for (p.z = 0; p.z < 16; p.z++) {
        for (p.y = -64; p.y < 64; p.y++) {
          chunk.setBlockStateId(p, p.y === -64 ? ids.bedrock : p.y < 60 ? ids.stone : p.y < 63 ? ids.dirt : ids.grass)
        }
        for (p.y = 64; p.y < 320; p.y++) chunk.setSkyLight(p, 15)
      }
    }
    return chunk
  }
}
