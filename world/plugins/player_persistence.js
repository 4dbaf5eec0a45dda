'use strict'
// Players are kept: a player who leaves and joins again finds their inventory (armour, offhand, enchantments and
// tool damage included), position, facing, health, food, saturation, exhaustion and XP as they left them, as
// vanilla does. Every world keeps them in memory while it runs; a world with a folder (--world-folder DIR)
// also writes them to DIR/playerdata/<uuid>.dat as 1.21.4 player data (world/util/player_data.js) when they
// leave and when the world saves (plugins/world_saving.js), and reads them back after a restart.
//
// Where: flying-squid reads a player's data (its lib/playerDat, which knows neither memory nor 1.21.4 items)
// between finding the spawn and sending the `login` packet, and has no hook in between; the login packet is
// where the player enters play, so the saved state is applied as it is written: before the position, the
// chunks, the inventory and the health flying-squid sends next, which then carry the restored values. A player
// who joins again while still listed (a connection the server has not seen drop) is saved and kicked first,
// as vanilla does.
const fs = require('fs')
const path = require('path')
const playerData = require('../util/player_data')
const { setComponent } = require('../util/item_components')

module.exports.server = function (serv, settings) {
  const folder = settings.worldDir ? path.join(settings.worldDir, 'playerdata') : null
  const saved = new Map() // uuid -> snapshot
  let writes = Promise.resolve()
  const warn = message => serv.warn?.(`[player_persistence] ${message}`)
  const fileOf = uuid => path.join(folder, `${uuid}.dat`)

  /** Keep a player's state (in memory, and in the world folder if there is one). */
  serv.keepPlayer = (player) => {
    if (!player.uuid || !player.inventory || !player.position) return
    const snap = playerData.snapshotOf(player)
    saved.set(player.uuid, snap)
    if (!folder) return
    const bytes = playerData.writeFile(snap, serv.registry, warn)
    writes = writes.then(() => writeAtomic(fileOf(player.uuid), bytes)).catch(err => warn(`saving ${player.username}: ${err.message}`))
  }

  /** Save every player still in the world; resolves once their files are written. */
  serv.savePlayers = async () => {
    for (const player of serv.players) if (!player.superseded) serv.keepPlayer(player)
    await writes
  }

  /** The state a player left with: from memory, else from the world folder (after a restart); null if new. */
  serv.savedPlayer = (uuid) => {
    if (saved.has(uuid)) return saved.get(uuid)
    if (!folder || !fs.existsSync(fileOf(uuid))) return null
    try {
      return playerData.readFile(fs.readFileSync(fileOf(uuid)), serv.registry)
    } catch (err) {
      warn(`${fileOf(uuid)} cannot be read (${err.message}): the player starts afresh`)
      return null
    }
  }
}

module.exports.player = function (player, serv) {
  const client = player._client
  const write = client.write.bind(client)
  client.write = (name, params) => {
    const written = write(name, params)
    if (name === 'login') rejoin(player, serv) // after it: the restored slots reach a client in play
    return written
  }
  player.on('disconnected', () => { if (!player.superseded) serv.keepPlayer(player) })
}

function rejoin (player, serv) {
  const listed = serv.players.find(p => p !== player && p.uuid === player.uuid)
  if (listed) {
    serv.keepPlayer(listed)
    listed.superseded = true // what it does from now on is not the player's state: the new connection's is
    listed.kick('You logged in from another location')
  }
  const snap = serv.savedPlayer(player.uuid)
  if (snap) restore(player, serv, snap)
}

function restore (player, serv, snap) {
  const { x, y, z } = snap.position
  player.position.set(x, y, z) // in place: flying-squid's login keeps this Vec3 to send the position again
  Object.assign(player, {
    yaw: snap.yaw, pitch: snap.pitch, onGround: snap.onGround, health: snap.health, food: snap.food,
    foodSaturation: snap.saturation, xp: snap.xp, heldItemSlot: snap.heldItemSlot, gameMode: snap.gameMode
  })
  if (player.hunger) player.hunger.exhaustion = snap.exhaustion
  for (const { slot, item } of itemsOf(serv, snap.inventory)) player.inventory.updateSlot(slot, item)
}

/** Items of a snapshot as prismarine items (the network form of their components restored). */
function itemsOf (serv, entries) {
  const Item = require('prismarine-item')(serv.registry)
  return entries.flatMap(({ slot, name, count, components }) => {
    const def = serv.registry.itemsByName[name]
    if (!def) return []
    const item = new Item(def.id, count)
    for (const { type, data } of components) setComponent(item, type, data)
    return [{ slot, item }]
  })
}

function writeAtomic (file, bytes) {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.tmp-${process.pid}`
  fs.writeFileSync(tmp, bytes)
  fs.renameSync(tmp, file)
}

