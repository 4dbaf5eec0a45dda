'use strict'
// Breaking blocks by vanilla rules, replacing flying-squid's block_dig handler:
//  - dig time: the server times each dig from its start packet and refuses a finish that comes earlier than
//    70% of the vanilla time for the held tool (vanilla's own tolerance); unbreakable blocks never break;
//  - harvest tools: a block that needs a tool tier drops nothing without it (stone by hand, iron ore with a
//    wooden pickaxe...);
//  - drops: vanilla/block_loot.js (minecraft-data's loot, vanilla chances), spawned as item entities;
//  - tool durability: 1 per block with hardness > 0 (2 for swords), unbreaking respected, the tool breaks at 0;
//  - XP from ores; plants standing on the broken block (sugar cane columns, grass) break with it.
// Also status 3/4 (drop held stack/item) and 6 (swap with offhand), which share the block_dig packet.
const { Vec3 } = require('vec3')
const { rollBlockDrops, rollBlockXp } = require('../vanilla/block_loot')
const { createRandom } = require('../util/random')
const { fixDigSpeeds } = require('../vanilla/registry_fixes')
const { getDamage, setDamage, enchantsOf } = require('../util/item_components')

const DIG_TOLERANCE = 0.7 // the share of the vanilla dig time a finish may arrive after (vanilla server: 0.7)
const REACH = 6 // blocks from the eyes to the block centre
const EYE_HEIGHT = 1.62
// Blocks that pop off when the block under them goes.
const NEEDS_SUPPORT = new Set(['sugar_cane', 'short_grass', 'tall_grass', 'fern', 'large_fern', 'dandelion', 'poppy',
  'blue_orchid', 'allium', 'azure_bluet', 'red_tulip', 'orange_tulip', 'white_tulip', 'pink_tulip', 'oxeye_daisy',
  'cornflower', 'lily_of_the_valley', 'dead_bush', 'oak_sapling', 'birch_sapling', 'spruce_sapling', 'torch',
  'brown_mushroom', 'red_mushroom', 'snow', 'sweet_berry_bush', 'wheat', 'carrots', 'potatoes', 'beetroots'])

module.exports.server = function (serv, settings) {
  fixDigSpeeds(serv.registry)
  const seed = settings.generation?.options?.seed ?? 0
  serv.lootRandom = createRandom(Number(seed) ^ 0x5eed1007)
}

module.exports.player = function (player, serv) {
  setImmediate(() => {
    player._client.removeAllListeners('block_dig')
    player._client.on('block_dig', (packet) => {
      handleDig(player, serv, packet).catch(err => serv.err?.(`block_dig from ${player.username}: ${err.stack || err}`))
    })
  })
}

async function handleDig (player, serv, packet) {
  const { status } = packet || {}
  if (status === 3 || status === 4) return dropHeld(player, serv, status === 3)
  if (status === 6) return swapOffhand(player)
  if (status !== 0 && status !== 1 && status !== 2) return
  const pos = toBlockPos(packet.location)
  if (!pos) return serv.warn?.(`malformed block_dig location from ${player.username}`)
  const dig = player.survivalDig
  if (status === 1) {
    player.survivalDig = null
    return ack(player, packet.sequence)
  }
  const block = await player.world.getBlock(pos)
  if (!block || block.type === 0 || isFluid(block)) return refuse(player, pos, block, packet.sequence)
  if (status === 0) return startDig(player, serv, pos, block, packet.sequence)
  // status 2: finish
  player.survivalDig = null
  if (!dig || !dig.pos.equals(pos)) return refuse(player, pos, block, packet.sequence)
  const elapsed = Date.now() - dig.startedAt
  if (elapsed < dig.expectedMs * DIG_TOLERANCE) {
    serv.warn?.(`${player.username} finished digging ${block.name} after ${elapsed} ms, vanilla needs ${dig.expectedMs} ms: refused`)
    return refuse(player, pos, block, packet.sequence)
  }
  await breakBlock(player, serv, pos, block)
  ack(player, packet.sequence)
}

async function startDig (player, serv, pos, block, sequence) {
  if (!withinReach(player, pos)) return refuse(player, pos, block, sequence)
  if (player.gameMode === 1) { // creative: instant, no drops
    await serv.setBlock(player.world, pos, 0)
    return ack(player, sequence)
  }
  const held = heldItem(player)
  const expectedMs = block.digTime(held ? held.type : null, false, false, false, held ? enchantsOf(held, serv.registry) : [], {})
  if (expectedMs === Infinity) return refuse(player, pos, block, sequence)
  if (expectedMs === 0) { // insta-mine: vanilla breaks it on the start packet
    await breakBlock(player, serv, pos, block)
    return ack(player, sequence)
  }
  player.survivalDig = { pos, startedAt: Date.now(), expectedMs, blockType: block.type }
  ack(player, sequence)
}

async function breakBlock (player, serv, pos, block) {
  const held = heldItem(player)
  const enchants = held ? enchantsOf(held, serv.registry) : []
  const silkTouch = enchants.some(e => e.name === 'silk_touch')
  const harvestable = block.canHarvest(held ? held.type : null)
  await serv.setBlock(player.world, pos, 0)
  const dropped = []
  if (harvestable) {
    const drops = rollBlockDrops({ blockName: block.name, registry: serv.registry, random: serv.lootRandom, silkTouch, shears: held?.name === 'shears' })
    for (const d of drops) dropped.push(spawnDrop(player, serv, pos, d))
    if (!silkTouch) player.giveXp?.(rollBlockXp(block.name, serv.lootRandom))
  }
  if (block.hardness > 0) damageTool(player, serv, held, enchants)
  serv.emit('blockBroken', { player, block, position: pos, harvestable, drops: dropped.filter(Boolean) })
  await breakUnsupportedAbove(player, serv, pos)
}

// Sugar cane, flowers and grass above a broken block pop off and drop as vanilla does.
async function breakUnsupportedAbove (player, serv, pos) {
  let above = pos.offset(0, 1, 0)
  for (let i = 0; i < 32; i++) {
    const block = await player.world.getBlock(above)
    if (!block || !NEEDS_SUPPORT.has(block.name)) return
    await serv.setBlock(player.world, above, 0)
    const drops = rollBlockDrops({ blockName: block.name, registry: serv.registry, random: serv.lootRandom })
    for (const d of drops) spawnDrop(player, serv, above, d)
    if (block.name !== 'sugar_cane') return
    above = above.offset(0, 1, 0)
  }
}

function spawnDrop (player, serv, pos, { name, count }) {
  const Item = require('prismarine-item')(serv.registry)
  const def = serv.registry.itemsByName[name]
  if (!def) {
    serv.warn?.(`loot names unknown item '${name}'`)
    return null
  }
  const item = new Item(def.id, count)
  const velocity = new Vec3(serv.lootRandom.next() * 2 - 1, 2 + serv.lootRandom.next(), serv.lootRandom.next() * 2 - 1)
  serv.dropItem(player.world, pos.offset(0.5, 0.25, 0.5), item, { velocity })
  return { name, count }
}

function damageTool (player, serv, held, enchants) {
  if (!held || !held.maxDurability || player.gameMode === 1) return
  const unbreaking = enchants.find(e => e.name === 'unbreaking')?.lvl ?? 0
  const wear = held.name.endsWith('_sword') ? 2 : 1
  let taken = 0
  for (let i = 0; i < wear; i++) if (serv.lootRandom.next() < 1 / (unbreaking + 1)) taken++
  if (taken === 0) return
  const slot = 36 + player.heldItemSlot
  const used = getDamage(held) + taken
  if (used >= held.maxDurability) {
    player.inventory.updateSlot(slot, null)
    serv.emit('toolBroken', { player, item: held })
    return
  }
  setDamage(held, used)
  player.inventory.updateSlot(slot, held)
}

function dropHeld (player, serv, wholeStack) {
  const slot = 36 + player.heldItemSlot
  const held = player.inventory.slots[slot]
  if (!held) return
  const Item = require('prismarine-item')(serv.registry)
  const count = wholeStack ? held.count : 1
  const thrown = new Item(held.type, count, held.metadata, held.nbt)
  if (held.components) thrown.components = held.components
  held.count -= count
  player.inventory.updateSlot(slot, held.count > 0 ? held : null)
  const look = lookVector(player)
  serv.dropItem(player.world, player.position.offset(0, EYE_HEIGHT - 0.3, 0), thrown, { velocity: look.scaled(6), pickupDelayMs: 2000 })
}

function swapOffhand (player) {
  const slot = 36 + player.heldItemSlot
  const main = player.inventory.slots[slot]
  const off = player.inventory.slots[45]
  player.inventory.updateSlot(slot, off || null)
  player.inventory.updateSlot(45, main || null)
}

function refuse (player, pos, block, sequence) {
  player.survivalDig = null
  if (pos) player._client.write('block_change', { location: pos, type: block ? block.stateId : 0 })
  ack(player, sequence)
}

function ack (player, sequence) {
  if (Number.isInteger(sequence)) player._client.write('acknowledge_player_digging', { sequenceId: sequence })
}

function heldItem (player) {
  return player.inventory.slots[36 + player.heldItemSlot] || null
}

function toBlockPos (loc) {
  if (!loc || ![loc.x, loc.y, loc.z].every(Number.isInteger)) return null
  if (loc.y < -64 || loc.y >= 320) return null
  return new Vec3(loc.x, loc.y, loc.z)
}

function withinReach (player, pos) {
  const eye = player.position.offset(0, EYE_HEIGHT, 0)
  return eye.distanceTo(pos.offset(0.5, 0.5, 0.5)) <= REACH
}

function isFluid (block) {
  return block.name === 'water' || block.name === 'lava'
}

// flying-squid stores yaw/pitch as protocol angle bytes (1/256 of a turn); the look direction as vanilla
// computes it.
function lookVector (player) {
  const yaw = (player.yaw || 0) * 2 * Math.PI / 256
  const pitch = (player.pitch || 0) * 2 * Math.PI / 256
  return new Vec3(-Math.sin(yaw) * Math.cos(pitch), -Math.sin(pitch), Math.cos(yaw) * Math.cos(pitch))
}

module.exports.DIG_TOLERANCE = DIG_TOLERANCE
