'use strict'
// A player's state as a plain snapshot, and that snapshot as vanilla 1.21.4 player data
// (`playerdata/<uuid>.dat`: gzipped NBT with Pos, Rotation, Health, foodLevel, XpTotal, Inventory...).
// flying-squid's own lib/playerDat writes a pre-1.13 form (DataVersion 1343, `Count` bytes, no item
// components), so 1.21.4 enchantments and tool damage would not survive it; this module writes the 1.21.4 one.
// Snapshot: { position: {x,y,z}, yaw, pitch, onGround, health, food, saturation, exhaustion, xp, heldItemSlot,
//   gameMode, inventory: [{ slot (window slot), name, count, components: [{type, data}] (network form) }] }
const zlib = require('zlib')
const nbt = require('prismarine-nbt')
const slotIds = require('flying-squid/src/lib/convertInventorySlotId')
const { levelForPoints } = require('../plugins/experience')

// Item components as 1.21.4 writes them in NBT; the network form is {type, data}. Only these occur in the
// embedded world (tool durability, enchanting); others are left out with a warning (see toNbt's `warn`).
const ENCHANTMENT_COMPONENTS = ['enchantments', 'stored_enchantments']
const REQUIRED = ['Pos', 'Rotation', 'Health', 'foodLevel', 'foodSaturationLevel', 'XpTotal', 'SelectedItemSlot']

/** A snapshot of a flying-squid player (with the project's hunger and experience plugins). */
function snapshotOf (player) {
  const p = player.position
  return {
    position: { x: p.x, y: p.y, z: p.z },
    yaw: player.yaw ?? 0,
    pitch: player.pitch ?? 0,
    onGround: Boolean(player.onGround),
    health: player.health,
    food: player.food,
    saturation: player.foodSaturation ?? 5,
    exhaustion: player.hunger?.exhaustion ?? 0,
    xp: player.xp ?? 0,
    heldItemSlot: player.heldItemSlot ?? 0,
    gameMode: player.gameMode ?? 0,
    inventory: player.inventory.slots.flatMap((item, slot) => item
      ? [{ slot, name: item.name, count: item.count, components: structuredClone(item.components || []) }]
      : [])
  }
}

/** The snapshot as the NBT compound of a 1.21.4 player data file. */
function toNbt (snap, registry, warn = () => {}) {
  const { level, progress } = levelForPoints(snap.xp)
  return nbt.comp({
    DataVersion: nbt.int(registry.version.dataVersion),
    Dimension: nbt.string('minecraft:overworld'),
    Pos: nbt.list(nbt.double([snap.position.x, snap.position.y, snap.position.z])),
    Rotation: nbt.list(nbt.float([snap.yaw, snap.pitch])),
    OnGround: nbt.byte(snap.onGround ? 1 : 0),
    Health: nbt.float(snap.health),
    foodLevel: nbt.int(snap.food),
    foodSaturationLevel: nbt.float(snap.saturation),
    foodExhaustionLevel: nbt.float(snap.exhaustion),
    XpTotal: nbt.int(snap.xp),
    XpLevel: nbt.int(level),
    XpP: nbt.float(progress),
    SelectedItemSlot: nbt.int(snap.heldItemSlot),
    playerGameType: nbt.int(snap.gameMode),
    Inventory: nbt.list(snap.inventory.length ? nbt.comp(snap.inventory.map(i => itemToNbt(i, registry, warn))) : null)
  }, '')
}

function itemToNbt (item, registry, warn) {
  const components = {}
  for (const { type, data } of item.components) {
    if (type === 'damage') components['minecraft:damage'] = nbt.int(data)
    else if (ENCHANTMENT_COMPONENTS.includes(type)) {
      const levels = Object.fromEntries((data?.enchantments || [])
        .map(e => ['minecraft:' + registry.enchantments[e.id]?.name, nbt.int(e.level)]))
      components['minecraft:' + type] = nbt.comp({ levels: nbt.comp(levels) })
    } else warn(`item component '${type}' of ${item.name} is not saved`)
  }
  return {
    Slot: nbt.byte(Number(slotIds.toNBT(item.slot))),
    id: nbt.string('minecraft:' + item.name),
    count: nbt.int(item.count),
    ...(Object.keys(components).length ? { components: nbt.comp(components) } : {})
  }
}

/** The snapshot a 1.21.4 player data compound holds. */
function fromNbt (tag, registry) {
  const d = nbt.simplify(tag)
  const missing = REQUIRED.filter(key => d[key] === undefined)
  if (missing.length) throw new Error(`player data without ${missing.join(', ')}`)
  const [x, y, z] = d.Pos
  return {
    position: { x, y, z },
    yaw: d.Rotation[0],
    pitch: d.Rotation[1],
    onGround: Boolean(d.OnGround),
    health: d.Health,
    food: d.foodLevel,
    saturation: d.foodSaturationLevel,
    exhaustion: d.foodExhaustionLevel ?? 0,
    xp: d.XpTotal,
    heldItemSlot: d.SelectedItemSlot,
    gameMode: d.playerGameType ?? 0,
    inventory: (d.Inventory || []).map(i => itemFromNbt(i, registry))
  }
}

function itemFromNbt (i, registry) {
  const components = []
  for (const [key, value] of Object.entries(i.components || {})) {
    const type = key.replace(/^minecraft:/, '')
    if (type === 'damage') components.push({ type, data: value })
    else if (ENCHANTMENT_COMPONENTS.includes(type)) {
      const enchantments = Object.entries(value.levels || {})
        .map(([name, level]) => ({ id: registry.enchantmentsByName[name.replace(/^minecraft:/, '')]?.id, level }))
        .filter(e => e.id !== undefined)
      // the network form's tooltip flag is spelled differently for the two (world/windows/enchanting_window.js)
      const tooltip = type === 'enchantments' ? { showTooltip: true } : { showInTooltip: true }
      components.push({ type, data: { enchantments, ...tooltip } })
    }
  }
  return { slot: Number(slotIds.fromNBT(i.Slot)), name: i.id.replace(/^minecraft:/, ''), count: i.count, components }
}

function writeFile (snap, registry, warn) {
  return zlib.gzipSync(nbt.writeUncompressed(toNbt(snap, registry, warn), 'big'))
}

function readFile (buffer, registry) {
  return fromNbt(nbt.parseUncompressed(zlib.gunzipSync(buffer), 'big'), registry)
}

module.exports = { snapshotOf, toNbt, fromNbt, writeFile, readFile }
