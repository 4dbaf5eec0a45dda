'use strict'
// A world with a folder (--world-folder DIR) is saved as vanilla lays one out: the chunk columns in
// DIR/region/*.mca (prismarine-provider-anvil, the Anvil format flying-squid uses; prismarine-world saves what
// changed about once a second and loads a saved column instead of generating it), the players in
// DIR/playerdata (plugins/player_persistence.js), and the world's id, seed, game time and time of day in
// DIR/level.dat (plugins/world_identity.js). serv.saveWorld() saves all of it now; it runs every
// AUTOSAVE_TICKS (vanilla's autosave period) and when the server stops (embedded_server.js), so a world killed
// outright goes back at most to its last autosave. Only the overworld is saved (the embedded world has no
// portals). Not saved: entities (dropped items, mobs: the mobs plugin spawns new ones) and what furnaces hold.
const fs = require('fs')
const path = require('path')
const { Anvil } = require('prismarine-provider-anvil')

const AUTOSAVE_TICKS = 6000

module.exports.server = function (serv, settings) {
  const folder = settings.worldDir
  serv.saveWorld = async () => {
    if (!folder) return
    await serv.savePlayers()
    await serv.saveLevel()
    await serv.overworld?.waitSaving()
  }
  if (!folder) return
  // flying-squid makes the overworld in memory (its own folder support is off: embedded_server.js); it gets
  // the region files before anything loads a column.
  serv.once('pluginsReady', () => {
    const world = serv.overworld
    fs.mkdirSync(path.join(folder, 'region'), { recursive: true })
    world.storageProvider = new (Anvil(serv.registry))(path.join(folder, 'region'))
    saveWithoutLosing(world, err => serv.warn?.(`[world_saving] region files: ${err.stack || err}`))
    world.startSaving()
    const loaded = Object.keys(world.columns).length
    if (loaded) serv.warn?.(`[world_saving] ${loaded} chunk columns were loaded before the region files were attached`)
  })
  serv.on('tick', (delta, count) => {
    if (count % AUTOSAVE_TICKS === 0) serv.saveWorld().catch(err => serv.warn?.(`[world_saving] autosave failed: ${err.stack || err}`))
  })
}

/**
 * prismarine-world 3.7's saveNow empties the whole queue once its writes are done, dropping the columns changed
 * while it wrote: a block dug while the columns around a joining player were first being saved was lost (1 run
 * in 6 of world/test/player_persistence.test.js before this). Here a save takes out only the columns it writes
 * (holding on to them, should one be unloaded meanwhile), and saves run one after another.
 */
function saveWithoutLosing (world, warn) {
  world.saveNow = function () {
    const batch = [...this.savingQueue].map(([key, { chunkX, chunkZ }]) => ({ chunkX, chunkZ, column: this.columns[key] }))
    this.savingQueue.clear()
    this.finishedSaving = this.finishedSaving.then(async () => {
      for (const { chunkX, chunkZ, column } of batch) if (column) await this.storageProvider.save(chunkX, chunkZ, column)
      for (const [key, { chunkX, chunkZ }] of this.unloadQueue) if (!this.savingQueue.has(key)) this.forceUnloadColumn(key, chunkX, chunkZ)
      this.emit('doneSaving')
    }).catch(warn) // a failed write must not stop every later save
    return this.finishedSaving
  }
}

module.exports.AUTOSAVE_TICKS = AUTOSAVE_TICKS
