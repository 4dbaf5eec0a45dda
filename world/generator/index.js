'use strict'
// The embedded world's seeded survival generator (flying-squid `generation.name` points here).
// flying-squid calls require(this)(options) with options = { seed, version, registry, ... } and then the
// returned function once per chunk: (chunkX, chunkZ) => prismarine-chunk Chunk. Same seed, same chunks,
// byte for byte, in any generation order.
//
// Also exported for the server and the check-world report:
//   findSpawn({ seed, registry }) -> { x, y, z, ... }: a standing spot on solid ground near the origin
//   oreCensus({ seed, registry, radiusChunks }) -> ore counts per 16-block height band and in total
//   getWorld({ seed, registry }) -> the world object (terrain functions, chunkData, chunk)
const { getWorld } = require('./world')
const { findSpawn } = require('./spawn')
const { oreCensus } = require('./census')
const { ORE_BANDS, FEATURES } = require('./ores')
const { SEA_LEVEL } = require('./terrain')

function generation (options = {}) {
  const world = getWorld({ seed: options.seed, registry: options.registry })
  return function generateChunk (chunkX, chunkZ) {
    try {
      return world.chunk(chunkX, chunkZ)
    } catch (err) {
      // A generator bug must not take the server down: log it and hand out plain stone for this chunk.
      console.error(`[generator] chunk ${chunkX},${chunkZ} failed: ${err && err.stack ? err.stack : err}`)
      return fallbackChunk(world)
    }
  }
}

function fallbackChunk (world) {
  const chunk = new world.Chunk({ minY: -64, worldHeight: 384 })
  const pos = { x: 0, y: 0, z: 0 }
  for (pos.x = 0; pos.x < 16; pos.x++) {
    for (pos.z = 0; pos.z < 16; pos.z++) {
      for (pos.y = -64; pos.y <= SEA_LEVEL; pos.y++) chunk.setBlockStateId(pos, pos.y === -64 ? world.states.bedrock : world.states.stone)
      for (pos.y = SEA_LEVEL + 1; pos.y < 320; pos.y++) chunk.setSkyLight(pos, 15)
    }
  }
  return chunk
}

module.exports = generation
module.exports.findSpawn = findSpawn
module.exports.oreCensus = oreCensus
module.exports.getWorld = getWorld
module.exports.ORE_BANDS = ORE_BANDS
module.exports.ORE_FEATURES = FEATURES
module.exports.SEA_LEVEL = SEA_LEVEL
