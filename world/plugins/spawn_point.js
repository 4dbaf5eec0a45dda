'use strict'
// flying-squid plugin: players spawn (and respawn) on the generator's world spawn, standing on solid
// ground with two free blocks above, instead of flying-squid's random spot near the origin.
//
// flying-squid asks `serv.getSpawnPoint(world)` (defined by its own settings.js server plugin) when a
// player logs in (player.findSpawnPoint) or changes world. Built-in plugins load after project plugins,
// so the override is installed in setImmediate, once settings.js has defined the original.
// Respawn: vanilla puts a dead player back at the world spawn (no beds here), so the position is reset
// on flying-squid's 'requestRespawn' behaviour. (flying-squid's own respawn does not work on 1.21.4;
// plugins/respawn.js replaces it.)
const { Vec3 } = require('vec3')
const { findSpawn } = require('../generator/spawn')

module.exports.server = function (serv, settings) {
  let cached = null
  function worldSpawn () {
    if (!cached) {
      const seed = settings && settings.generation && settings.generation.options ? settings.generation.options.seed : undefined
      cached = findSpawn({ seed, registry: serv.registry })
    }
    return cached
  }

  // The generator's spot, checked against the live world (players may have built or dug there): the
  // first place at or above it with a solid block below and two passable, dry blocks above.
  async function standOn (world, spot) {
    const x = Math.floor(spot.x)
    const z = Math.floor(spot.z)
    const block = async y => world.getBlock(new Vec3(x, y, z))
    const solid = b => b && b.boundingBox === 'block'
    const free = b => b && b.boundingBox === 'empty' && b.name !== 'water' && b.name !== 'lava'
    let below = await block(spot.y - 1)
    let feet = await block(spot.y)
    for (let y = spot.y; y < spot.y + 64 && y < 318; y++) {
      const head = await block(y + 1)
      if (solid(below) && free(feet) && free(head)) return new Vec3(spot.x, y, spot.z)
      below = feet
      feet = head
    }
    return new Vec3(spot.x, spot.y, spot.z)
  }

  serv.getWorldSpawn = worldSpawn
  setImmediate(() => {
    const builtin = serv.getSpawnPoint
    serv.getSpawnPoint = async (world) => {
      if (world !== serv.overworld && builtin) return builtin(world)
      try {
        return await standOn(world, worldSpawn())
      } catch (err) {
        console.error('[spawn] world spawn failed, using flying-squid default:', err && err.stack ? err.stack : err)
        return builtin ? builtin(world) : new Vec3(0.5, 100, 0.5)
      }
    }
  })
}

module.exports.player = function (player, serv) {
  player.on('requestRespawn', async () => {
    if (player.world !== serv.overworld || !serv.getWorldSpawn) return
    try {
      const spot = await serv.getSpawnPoint(player.world)
      player.spawnPoint = spot
      player.position = spot.clone()
    } catch (err) {
      console.error('[spawn] respawn position failed:', err && err.stack ? err.stack : err)
    }
  })
}
