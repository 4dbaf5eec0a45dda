'use strict'
// Survival hardening and the assists. Nothing helps the bot unless the user turns it on:
//  - creative-inventory packets are refused outside creative (stock flying-squid accepted them in survival);
//  - players are not op, and a non-op player may use only harmless commands;
//  - an assist ('give', 'teleport', 'keepInventory') is a flag of the embedded server, and every use of it is
//    recorded: kept in serv.assistLog and printed as a JSON line {"event":"assist",...} on stdout, which the
//    Python side writes into the session's metadata.
const KNOWN_ASSISTS = new Set(['give', 'teleport', 'keepInventory'])
const HARMLESS_COMMANDS = new Set(['help', 'ping', 'version', 'me', 'say', 'bug'])
// Commands an assist unlocks for a non-op player.
const ASSIST_COMMANDS = { give: 'give', teleport: 'teleport', tp: 'teleport' }

module.exports.server = function (serv, settings) {
  const requested = settings.assists || []
  for (const name of requested) {
    if (!KNOWN_ASSISTS.has(name)) throw new Error(`unknown assist '${name}' (known: ${[...KNOWN_ASSISTS].join(', ')})`)
  }
  serv.assists = new Set(requested)
  serv.assistLog = []

  serv.recordAssist = (name, detail = {}) => {
    const entry = { event: 'assist', name, detail, time: new Date().toISOString() }
    serv.assistLog.push(entry)
    process.stdout.write(JSON.stringify(entry) + '\n')
  }

  // Every command from a player goes through serv.commands.use(str, ctx, op); gate it here once.
  const use = serv.commands.use.bind(serv.commands)
  serv.commands.use = async (command, ctx = {}, op = true) => {
    const [base, ...args] = String(command).trim().replace(/^\//, '').split(/\s+/)
    const privileged = !ctx.player || ctx.player.op
    const assist = ASSIST_COMMANDS[base]
    const assisted = !privileged && assist && serv.assists.has(assist)
    if (!privileged && !assisted && !HARMLESS_COMMANDS.has(base)) return 'You do not have permission to use this command'
    if (assisted) serv.recordAssist(assist, { player: ctx.player.username, command: String(command) })
    if (base === 'give') return give(serv, args, ctx)
    return use(command, ctx, privileged || assisted)
  }
}

// flying-squid's /give keeps the count as a string and ignores stack sizes; give through player.giveItem.
function give (serv, [target, itemName, countText = '1'], ctx) {
  const usage = 'Usage: /give <player> <item> [count]'
  const name = String(itemName || '').replace(/^minecraft:/, '')
  const def = serv.registry.itemsByName[name]
  const count = Number(countText)
  if (!target || !def) return def ? usage : `Unknown item '${itemName}'. ${usage}`
  if (!Number.isInteger(count) || count < 1 || count > 64 * 36) return `Bad count '${countText}'. ${usage}`
  const players = target === '@s' && ctx.player ? [ctx.player] : serv.players.filter(p => p.username === target)
  if (players.length === 0) return `Player not found: ${target}`
  const Item = require('prismarine-item')(serv.registry)
  for (const player of players) {
    for (let left = count; left > 0; left -= def.stackSize) player.giveItem(new Item(def.id, Math.min(left, def.stackSize)))
  }
}

module.exports.player = function (player, serv) {
  player.op = false
  // Timers in flying-squid keep writing to a player after it left; drop those writes instead of throwing.
  const write = player._client.write.bind(player._client)
  player._client.write = (name, params) => {
    if (player._client.ended || player._client.socket?.destroyed) return
    write(name, params)
  }

  setImmediate(() => {
    // Replace flying-squid's handler, which applies any creative-slot packet in any game mode.
    player._client.removeAllListeners('set_creative_slot')
    player._client.on('set_creative_slot', (packet) => onCreativeSlot(player, serv, packet))
    watchForDeath(player, serv)
    guardPacket(player, serv, 'held_item_slot', p => Number.isInteger(p?.slotId) && p.slotId >= 0 && p.slotId <= 8)
  })
}

// Let a packet reach the handlers already registered for it (flying-squid's, other plugins') only when it
// is well formed: flying-squid took any number as the held hotbar slot.
function guardPacket (player, serv, name, isValid) {
  const handlers = player._client.listeners(name)
  player._client.removeAllListeners(name)
  player._client.on(name, (packet) => {
    if (!isValid(packet)) return serv.warn?.(`ignored malformed ${name} from ${player.username}: ${JSON.stringify(packet)}`)
    for (const handler of handlers) handler(packet)
  })
}

function onCreativeSlot (player, serv, packet) {
  const slot = packet?.slot
  const valid = Number.isInteger(slot) && slot >= 0 && slot < player.inventory.slots.length
  if (player.gameMode !== 1) {
    serv.warn?.(`refused creative-inventory packet from ${player.username} in game mode ${player.gameMode}`)
    if (valid) player.inventory.updateSlot(slot, player.inventory.slots[slot]) // resync the client's view
    return
  }
  if (!valid) return
  try {
    const Item = require('prismarine-item')(serv.registry)
    const item = packet.item && packet.item.itemCount > 0 ? Item.fromNotch(packet.item) : null
    player.inventory.updateSlot(slot, item)
  } catch (err) {
    serv.warn?.(`bad creative-inventory packet from ${player.username}: ${err.message}`)
  }
}

// Vanilla death: the inventory drops where the player died, unless keepInventory is on (an assist).
function watchForDeath (player, serv) {
  const updateHealth = player.updateHealth
  player.updateHealth = (health) => {
    const wasAlive = player.health > 0
    updateHealth(health)
    if (wasAlive && health <= 0) onDeath(player, serv)
  }
}

function onDeath (player, serv) {
  serv.emit('playerDeath', { player })
  if (serv.assists.has('keepInventory')) {
    serv.recordAssist('keepInventory', { player: player.username })
    return
  }
  const inv = player.inventory
  for (let slot = 0; slot < inv.slots.length; slot++) {
    const item = inv.slots[slot]
    if (!item) continue
    inv.updateSlot(slot, null)
    if (serv.dropItem) serv.dropItem(player.world, player.position.offset(0, 1, 0), item)
  }
}

module.exports.KNOWN_ASSISTS = KNOWN_ASSISTS
