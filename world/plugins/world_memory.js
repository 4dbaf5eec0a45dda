'use strict'
// The embedded world lives in memory (no region files), and flying-squid unloads a chunk column when no
// player has it in view; the next visit regenerates it from the seed, so a crafting table placed or a
// tunnel dug far behind the bot would vanish. Columns that were changed are therefore kept loaded; columns
// nobody touched are still unloaded (they regenerate identically). A world saved to a folder
// (plugins/world_saving.js) reloads what it unloads from its region files.
const SETTERS = ['setBlock', 'setBlockStateId', 'setBlockType', 'setBlockData']

module.exports.server = function (serv) {
  // flying-squid's world plugin creates the worlds after the project's plugins have loaded.
  serv.once('pluginsReady', () => {
    for (const world of [serv.overworld, serv.netherworld].filter(Boolean)) keepChangedColumns(world)
  })
}

function keepChangedColumns (world) {
  const changed = new Set()
  const keyOf = pos => `${Math.floor(pos.x / 16)},${Math.floor(pos.z / 16)}`
  for (const name of SETTERS) {
    const original = world[name].bind(world)
    world[name] = (pos, ...rest) => {
      changed.add(keyOf(pos))
      return original(pos, ...rest)
    }
  }
  const unloadColumn = world.unloadColumn.bind(world)
  world.unloadColumn = (chunkX, chunkZ) => {
    if (world.storageProvider || !changed.has(`${chunkX},${chunkZ}`)) unloadColumn(chunkX, chunkZ)
  }
}
