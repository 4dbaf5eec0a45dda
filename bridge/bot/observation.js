'use strict'
// The bot's state as the protocol's `observation.state` (bridge/PROTOCOL.md): what the agent knows each step.
// The block scan is the only costly part; it is cached until the bot moves to another block or a block
// or chunk near it changes.
const { Vec3 } = require('vec3')
const { inventoryCounts } = require('larm-skills/lib/inventory')
const { gameTicks } = require('larm-skills/lib/bot_setup')
const gameClock = require('larm-world/util/game_clock')
const { worldOf } = require('./world_identity')

const BLOCK_RADIUS = 16 // horizontal
const BLOCK_HEIGHT = 12 // up and down
const ENTITY_RADIUS = 32
const MAX_ENTITIES = 16
const IGNORED_BLOCKS = new Set(['air', 'cave_air', 'void_air'])
const ARMOR_SLOTS = { head: 5, chest: 6, legs: 7, feet: 8 }
const OFFHAND_SLOT = 45

function createObserver (bot) {
  let cache = null // { key, blocks }
  let worldVersion = 0
  const bump = () => { worldVersion++ }
  bot.on('blockUpdate', bump)
  bot.on('chunkColumnLoad', bump)

  function nearbyBlocks () {
    const feet = bot.entity.position.floored()
    const key = `${feet}|${worldVersion}`
    if (cache?.key === key) return cache.blocks
    cache = { key, blocks: scanBlocks(bot, feet) }
    return cache.blocks
  }

  return { observe: () => buildState(bot, nearbyBlocks) }
}

function buildState (bot, nearbyBlocks) {
  const e = bot.entity
  const pos = e.position
  return {
    username: bot.username,
    alive: bot.health > 0,
    tick: gameTicks(bot),
    world: worldOf(bot),
    paused_s: round(gameClock.pausedState().paused_real_s, 2),
    time_of_day: Number(bot.time?.timeOfDay ?? 0),
    dimension: String(bot.game?.dimension ?? 'overworld').replace('minecraft:', ''),
    biome: biomeAt(bot, pos),
    position: { x: round(pos.x), y: round(pos.y), z: round(pos.z) },
    facing: { yaw: round(e.yaw, 3), pitch: round(e.pitch, 3) },
    on_ground: Boolean(e.onGround),
    in_water: Boolean(e.isInWater),
    health: bot.health ?? 0,
    food: bot.food ?? 0,
    saturation: round(bot.foodSaturation ?? 0),
    xp: { level: bot.experience?.level ?? 0, points: bot.experience?.points ?? 0, progress: round(bot.experience?.progress ?? 0, 3) },
    inventory: inventoryCounts(bot),
    enchanted: enchantedItems(bot),
    equipment: equipment(bot),
    nearby_blocks: nearbyBlocks(),
    nearby_entities: nearbyEntities(bot),
    dropped_items: droppedItems(bot)
  }
}

function round (v, digits = 2) {
  const f = 10 ** digits
  return Math.round(v * f) / f
}

function biomeAt (bot, pos) {
  try {
    // prismarine-block leaves the biome's name empty on 1.21.4; the registry knows it by id.
    const biome = bot.blockAt(pos)?.biome
    return biome?.name || bot.registry.biomes[biome?.id]?.name || 'unknown'
  } catch {
    return 'unknown'
  }
}

function equipment (bot) {
  const name = slot => bot.inventory.slots[slot]?.name ?? null
  return {
    hand: bot.heldItem?.name ?? null,
    offhand: name(OFFHAND_SLOT),
    head: name(ARMOR_SLOTS.head),
    chest: name(ARMOR_SLOTS.chest),
    legs: name(ARMOR_SLOTS.legs),
    feet: name(ARMOR_SLOTS.feet)
  }
}

/** Enchanted items by name: { diamond_sword: [[{name, level}], ...] } (one list per enchanted item). */
function enchantedItems (bot) {
  const out = {}
  for (const item of bot.inventory.slots) {
    if (!item) continue
    let enchants = []
    try { enchants = item.enchants || [] } catch {}
    if (!Array.isArray(enchants) || enchants.length === 0) continue
    ;(out[item.name] ||= []).push(enchants.map(x => ({ name: x.name, level: x.lvl })))
  }
  return out
}

function scanBlocks (bot, feet) {
  const counts = {}
  const nearest = {}
  const registry = bot.registry
  const p = new Vec3(0, 0, 0)
  for (let dy = -BLOCK_HEIGHT; dy <= BLOCK_HEIGHT; dy++) {
    for (let dx = -BLOCK_RADIUS; dx <= BLOCK_RADIUS; dx++) {
      for (let dz = -BLOCK_RADIUS; dz <= BLOCK_RADIUS; dz++) {
        p.set(feet.x + dx, feet.y + dy, feet.z + dz)
        const state = bot.world.getBlockStateId(p)
        if (state === undefined || state === null) continue
        const block = registry.blocksByStateId[state]
        if (!block || IGNORED_BLOCKS.has(block.name)) continue
        counts[block.name] = (counts[block.name] || 0) + 1
        const d2 = dx * dx + dy * dy + dz * dz
        const best = nearest[block.name]
        if (!best || d2 < best.d2) nearest[block.name] = { x: p.x, y: p.y, z: p.z, d2 }
      }
    }
  }
  for (const n of Object.values(nearest)) {
    n.distance = round(Math.sqrt(n.d2), 1)
    delete n.d2
  }
  return { radius: BLOCK_RADIUS, counts, nearest }
}

function entityKind (entity) {
  return entity.type === 'player' ? 'player' : (entity.type || 'other')
}

function nearbyEntities (bot) {
  const me = bot.entity.position
  return Object.values(bot.entities)
    .filter(en => en !== bot.entity && en.name !== 'item' && en.position && en.position.distanceTo(me) <= ENTITY_RADIUS)
    .map(en => ({
      name: en.name || en.username || 'unknown',
      kind: entityKind(en),
      position: { x: round(en.position.x, 1), y: round(en.position.y, 1), z: round(en.position.z, 1) },
      distance: round(en.position.distanceTo(me), 1),
      ...(typeof en.health === 'number' ? { health: en.health } : {})
    }))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, MAX_ENTITIES)
}

function droppedItems (bot) {
  const me = bot.entity.position
  const out = []
  for (const en of Object.values(bot.entities)) {
    if (en.name !== 'item' || !en.position || en.position.distanceTo(me) > ENTITY_RADIUS) continue
    let item = null
    try { item = en.getDroppedItem() } catch {}
    if (!item) continue
    out.push({
      item: item.name,
      count: item.count,
      position: { x: round(en.position.x, 1), y: round(en.position.y, 1), z: round(en.position.z, 1) },
      distance: round(en.position.distanceTo(me), 1)
    })
  }
  return out.sort((a, b) => a.distance - b.distance).slice(0, MAX_ENTITIES)
}

module.exports = { createObserver, equipment, enchantedItems, BLOCK_RADIUS }
