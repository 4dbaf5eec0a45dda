'use strict'
// Placing a block from the inventory next to the bot, and the work stations (crafting table, furnace,
// enchanting table) that craft, smelt and enchant need: use one nearby, or place one from the inventory.
const { SkillError } = require('./errors')
const { abortable, throwIfAborted, stopMotion, sleep } = require('./cancel')
const { goals, goto } = require('./pathing')
const { count } = require('./inventory')
const { isFluid, chooseTool, digAt } = require('./digging')
const { Vec3 } = require('vec3')

// How far ensureStation looks for a station already in the world: at least to the far corner of the block
// scan the agent observes (16 blocks each way across, 12 up and down: 25.6), so that a station the agent
// sees is one the skill finds (with 24, a table in a corner of the scan was in view but missing_items).
const STATION_RANGE = 26
const USE_DISTANCE = 4 // eyes to block centre: close enough to open it (the server allows 8)
const PLACE_REACH = 4.5 // vanilla block interaction range
const OPEN_GROUND_RANGE = 12 // how far placeFromInventory walks to find room when it has none and cannot dig any
const OPEN_GROUND_TRIES = 3 // standing places walked to (each a bounded path search) before giving up
const CLEAR_TRIES = 2 // blocks dug next to the bot to make room before walking away

// Blocks a placed block may replace (the server overwrites them), and blocks that open a window or
// otherwise react to a right click instead of letting a block be placed against them.
const REPLACEABLE = new Set(['air', 'cave_air', 'void_air', 'short_grass', 'fern', 'dead_bush'])
const INTERACTIVE = /table|furnace|chest|door|gate|button|lever|_bed$|barrel|anvil|smoker|loom|hopper|dispenser|dropper|note_block|jukebox|bell|lectern|composter|grindstone|stonecutter|crafter|shulker|beacon|brewing|repeater|comparator|cake|sign/

/** Cells (x,y,z strings) that the bot's own bounding box overlaps: no block may go there. */
function botCells (bot) {
  const p = bot.entity.position
  const cells = new Set()
  for (let x = Math.floor(p.x - 0.3); x <= Math.floor(p.x + 0.3 - 1e-6); x++) {
    for (let z = Math.floor(p.z - 0.3); z <= Math.floor(p.z + 0.3 - 1e-6); z++) {
      for (let y = Math.floor(p.y); y <= Math.floor(p.y + 1.8 - 1e-6); y++) cells.add(`${x},${y},${z}`)
    }
  }
  return cells
}

/** No solid block between `from` and `to` (sampled every 0.1 block), other than the cells in `except`. */
function clearLine (bot, from, to, except = []) {
  const steps = Math.ceil(from.distanceTo(to) / 0.1)
  const skip = new Set(except.map(p => `${p.x},${p.y},${p.z}`))
  for (let i = 1; i < steps; i++) {
    const p = from.plus(to.minus(from).scaled(i / steps)).floored()
    if (skip.has(`${p.x},${p.y},${p.z}`)) continue
    const block = bot.blockAt(p)
    if (!block || block.boundingBox === 'block') return false
  }
  return true
}

const NEIGHBOURS = [[0, -1, 0], [1, 0, 0], [-1, 0, 0], [0, 0, 1], [0, 0, -1], [0, 1, 0]].map(([x, y, z]) => new Vec3(x, y, z))

/**
 * Free cells next to the bot where a block can go, best first: on solid ground at the bot's level, then
 * against a wall or a ceiling (tunnels, shafts). Each comes with the block to place against and its face.
 */
function placementSpots (bot) {
  const feet = bot.entity.position.floored()
  const eyes = bot.entity.position.offset(0, 1.62, 0)
  const occupied = botCells(bot)
  const others = Object.values(bot.entities).filter(e => e !== bot.entity && e.position && e.name !== 'item' && e.type !== 'object')
  const spots = []
  for (let dy = -1; dy <= 2; dy++) {
    for (let dx = -2; dx <= 2; dx++) {
      for (let dz = -2; dz <= 2; dz++) {
        const pos = feet.offset(dx, dy, dz)
        if (occupied.has(`${pos.x},${pos.y},${pos.z}`)) continue
        const here = bot.blockAt(pos)
        if (!here || !REPLACEABLE.has(here.name)) continue
        // entities standing there (other players, mobs) would be inside the block
        if (others.some(e => e.position.floored().equals(pos))) continue
        for (const [i, n] of NEIGHBOURS.entries()) {
          const reference = bot.blockAt(pos.plus(n))
          if (!reference || reference.boundingBox !== 'block' || INTERACTIVE.test(reference.name)) continue
          const face = n.scaled(-1) // from the reference towards the free cell
          const facePoint = pos.offset(0.5, 0.5, 0.5).plus(n.scaled(0.5))
          if (eyes.distanceTo(facePoint) > PLACE_REACH - 0.2) continue
          if (!clearLine(bot, eyes, facePoint, [pos, reference.position])) continue
          const ground = i === 0
          const score = (ground ? 0 : 20) + (ground ? Math.abs(dy) * 10 : Math.abs(dy - 1) * 2) + Math.abs(Math.hypot(dx, dz) - 1.5)
          spots.push({ pos, reference, face, score })
          break
        }
      }
    }
  }
  return spots.sort((a, b) => a.score - b.score)
}

const FALLS = /^(sand|red_sand|gravel|.*_concrete_powder|suspicious_sand|suspicious_gravel)$/

/**
 * The cells beside the bot's feet that digging one block would turn into a placement spot, fastest dig
 * first: on solid ground, breakable with what the bot holds, no fluid beside it (it would flood in), nothing
 * above it that falls, and not a station or a container.
 */
function clearableCells (bot) {
  const feet = bot.entity.position.floored()
  const cells = []
  for (const [dx, dz] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
    const pos = feet.offset(dx, 0, dz)
    const block = bot.blockAt(pos)
    const below = bot.blockAt(pos.offset(0, -1, 0))
    const above = bot.blockAt(pos.offset(0, 1, 0))
    if (!block || REPLACEABLE.has(block.name) || isFluid(block) || block.diggable === false || INTERACTIVE.test(block.name)) continue
    if (!below || below.boundingBox !== 'block' || INTERACTIVE.test(below.name) || FALLS.test(above?.name ?? '')) continue
    if (NEIGHBOURS.some(n => isFluid(bot.blockAt(pos.plus(n))))) continue
    let ms
    try {
      ms = chooseTool(bot, block).ms
    } catch (err) {
      if (err instanceof SkillError) continue // needs a tool the bot lacks
      throw err
    }
    if (Number.isFinite(ms)) cells.push({ pos, ms })
  }
  return cells.sort((a, b) => a.ms - b.ms)
}

/** Standing places within OPEN_GROUND_RANGE (4 up or down) with a free cell on solid ground beside them, nearest first. */
function openGround (bot) {
  const feet = bot.entity.position.floored()
  const open = p => { const b = bot.blockAt(p); return !!b && REPLACEABLE.has(b.name) }
  const solid = p => { const b = bot.blockAt(p); return !!b && b.boundingBox === 'block' && !isFluid(b) && !INTERACTIVE.test(b.name) }
  const out = []
  for (let dy = -4; dy <= 4; dy++) {
    for (let dx = -OPEN_GROUND_RANGE; dx <= OPEN_GROUND_RANGE; dx++) {
      for (let dz = -OPEN_GROUND_RANGE; dz <= OPEN_GROUND_RANGE; dz++) {
        if (Math.abs(dx) + Math.abs(dz) < 2 || Math.hypot(dx, dz) > OPEN_GROUND_RANGE) continue
        const stand = feet.offset(dx, dy, dz)
        if (!open(stand) || !open(stand.offset(0, 1, 0)) || !solid(stand.offset(0, -1, 0))) continue
        const roomy = [[1, 0], [-1, 0], [0, 1], [0, -1]].some(([x, z]) => open(stand.offset(x, 0, z)) && solid(stand.offset(x, -1, z)))
        if (roomy) out.push(stand)
      }
    }
  }
  return out.sort((a, b) => a.distanceTo(feet) - b.distanceTo(feet))
}

/**
 * No free cell next to the bot (it faces a wall of logs, a tunnel's end): make room. First dig a block beside
 * its feet (one dig, and the bot stays where it is), then walk to open ground nearby. Returns the placement
 * spots found, empty when neither worked.
 */
async function makeRoom (ctx, name) {
  const { bot, signal } = ctx
  for (const { pos } of clearableCells(bot).slice(0, CLEAR_TRIES)) {
    throwIfAborted(signal)
    ctx.progress?.(`no room to place ${name}: digging ${bot.blockAt(pos)?.name} at ${pos}`)
    try {
      await digAt(ctx, pos)
    } catch (err) {
      if (signal.aborted) throw signal.reason
      ctx.log?.(`clearing ${pos} for ${name} failed: ${err.message}`) // a dig mineflayer gave up on: try the next
    }
    const spots = placementSpots(bot)
    if (spots.length) return spots
  }
  for (const stand of openGround(bot).slice(0, OPEN_GROUND_TRIES)) {
    throwIfAborted(signal)
    ctx.progress?.(`no room to place ${name}: walking to open ground at ${stand}`)
    try {
      await goto(ctx, new goals.GoalBlock(stand.x, stand.y, stand.z))
    } catch (err) {
      if (signal.aborted) throw signal.reason
      ctx.log?.(`open ground at ${stand} for ${name}: ${err.message}`)
    }
    const spots = placementSpots(bot)
    if (spots.length) return spots
  }
  return []
}

/**
 * Place one block item of `name` from the inventory on free solid ground next to the bot (never where it
 * stands), making room first when there is none (makeRoom). Returns the placed block. Throws missing_items
 * when none is held, failed when no spot works.
 */
async function placeFromInventory (ctx, name) {
  const { bot, signal } = ctx
  throwIfAborted(signal)
  const item = bot.inventory.items().find(i => i.name === name)
  if (!item) throw new SkillError('missing_items', `no ${name} in the inventory to place`)
  stopMotion(bot)
  await abortable(signal, bot.equip(item, 'hand'), () => {})
  let spots = placementSpots(bot)
  if (spots.length === 0) spots = await makeRoom(ctx, name)
  if (spots.length === 0) {
    throw new SkillError('failed', `no free spot next to the bot to place ${name}: nothing beside it could be dug away and no open ground within ${OPEN_GROUND_RANGE} blocks could be reached`)
  }
  let lastError = null
  for (const spot of spots.slice(0, 4)) {
    throwIfAborted(signal)
    if (bot.heldItem?.name !== name) {
      const again = bot.inventory.items().find(i => i.name === name)
      if (!again) throw new SkillError('missing_items', `no ${name} left in the inventory to place`)
      await abortable(signal, bot.equip(again, 'hand'), () => {})
    }
    try {
      await abortable(signal, bot.placeBlock(spot.reference, spot.face), () => {})
    } catch (err) {
      if (signal.aborted) throw signal.reason
      lastError = err
      ctx.log?.(`place ${name} at ${spot.pos} failed: ${err.message}`)
    }
    // the server's block update may trail the call a little
    for (let i = 0; i < 10 && bot.blockAt(spot.pos)?.name !== name; i++) await sleep(signal, 100)
    const placed = bot.blockAt(spot.pos)
    if (placed?.name === name) return placed
  }
  throw new SkillError('failed', `could not place ${name} next to the bot${lastError ? ` (${lastError.message})` : ''}`)
}

/**
 * Wait until the server has applied every click sent so far on `window` (default: the inventory): a resync
 * click is answered with the whole window, after the clicks before it.
 */
async function syncInventory (ctx, window = ctx.bot.inventory) {
  const { bot, signal } = ctx
  if (typeof bot._syncWindow !== 'function') return
  let timer
  const timeout = new Promise(resolve => { timer = setTimeout(resolve, 3000) })
  try {
    await abortable(signal, Promise.race([bot._syncWindow(window), timeout]))
  } catch (err) {
    if (signal.aborted) throw signal.reason
  } finally {
    clearTimeout(timer)
  }
}

/** Walk until the block at `pos` is within use distance; bounded by the pathfinder limits. */
async function approach (ctx, pos, distance = USE_DISTANCE) {
  const { bot } = ctx
  const eyes = () => bot.entity.position.offset(0, 1.62, 0)
  if (eyes().distanceTo(pos.offset(0.5, 0.5, 0.5)) <= distance) return
  await goto(ctx, new goals.GoalNear(pos.x, pos.y, pos.z, 2.5))
  if (eyes().distanceTo(pos.offset(0.5, 0.5, 0.5)) > distance + 1.5) {
    throw new SkillError('unreachable', `could not get within reach of the block at ${pos}`)
  }
}

/**
 * A usable station block: the nearest `name` block within `range` (walking up to it), or one placed from
 * the inventory. The returned block has `placed` = true when it was placed by this call.
 */
async function ensureStation (ctx, name, { range = STATION_RANGE } = {}) {
  const { bot, registry, signal } = ctx
  throwIfAborted(signal)
  const def = registry.blocksByName[name]
  if (!def) throw new SkillError('failed', `unknown station block ${name}`)
  const found = bot.findBlock({ matching: def.id, maxDistance: range })
  if (found) {
    try {
      ctx.progress?.(`walking to the ${name} at ${found.position}`)
      await approach(ctx, found.position)
      const block = bot.blockAt(found.position)
      if (block?.name === name) {
        block.placed = false
        return block
      }
    } catch (err) {
      if (signal.aborted || !(err instanceof SkillError) || err.kind !== 'unreachable' || count(bot, name) === 0) throw err
      ctx.log?.(`the ${name} at ${found.position} is unreachable; placing one from the inventory`)
    }
  }
  if (count(bot, name) === 0) {
    throw new SkillError('missing_items', `no ${name} within ${range} blocks and none in the inventory (craft or place one first)`)
  }
  ctx.progress?.(`placing a ${name}`)
  const block = await placeFromInventory(ctx, name)
  block.placed = true
  return block
}

module.exports = { placeFromInventory, ensureStation, syncInventory, placementSpots, STATION_RANGE }
