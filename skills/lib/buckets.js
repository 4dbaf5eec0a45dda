'use strict'
// Using a bucket the way the server does: its ray (an empty bucket stops at fluid sources, a full one looks
// through fluids), the aims and standing spots from which it hits what the skill wants, and the use itself.
const { goals, goto } = require('./pathing')
const { SkillError } = require('./errors')
const { abortable, waitTicks } = require('./cancel')
const { Vec3 } = require('vec3')

const FLUID_RANGE = 32 // how far fill_bucket and make_obsidian look for a source
const REACH = 4.5 // the server's bucket ray length (vanilla block interaction range)
const EYE = 1.62

const NO_OUTLINE = new Set(['air', 'cave_air', 'void_air', 'light', 'structure_void', 'moving_piston'])
const isLevel0 = b => Number(b.getProperties?.().level ?? b.metadata ?? 0) === 0
const solid = b => Boolean(b && b.boundingBox === 'block' && b.name !== 'water' && b.name !== 'lava')
const keyOf = p => `${p.x},${p.y},${p.z}`
const SIDES = [new Vec3(1, 0, 0), new Vec3(-1, 0, 0), new Vec3(0, 0, 1), new Vec3(0, 0, -1)]
const FACES = [new Vec3(0, 1, 0), new Vec3(0, -1, 0), ...SIDES]

/**
 * The server's bucket ray (world/plugins/buckets.js), walked on the bot's copy of the world.
 * sourcesOnly: an empty bucket stops at fluid sources; a full one looks through fluids. `virtual` maps
 * cell keys to what the skill is about to make of them: 'air' (dug), 'water' (poured) or 'solid' (placed);
 * `at` reads a block (default: the bot's world). Returns {pos, block, face} or null.
 */
function castBucketRay (bot, origin, dir, sourcesOnly, virtual = new Map(), at = p => bot.blockAt(p)) {
  const cell = [Math.floor(origin.x), Math.floor(origin.y), Math.floor(origin.z)]
  const step = [Math.sign(dir.x), Math.sign(dir.y), Math.sign(dir.z)]
  const o = [origin.x, origin.y, origin.z]
  const d = [dir.x, dir.y, dir.z]
  const tMax = [0, 1, 2].map(i => d[i] === 0 ? Infinity : ((step[i] > 0 ? cell[i] + 1 : cell[i]) - o[i]) / d[i])
  const tDelta = [0, 1, 2].map(i => d[i] === 0 ? Infinity : Math.abs(1 / d[i]))
  let face = null
  for (let guard = 0; guard < 64; guard++) {
    const p = new Vec3(cell[0], cell[1], cell[2])
    const block = at(p)
    const v = virtual.get(keyOf(p))
    const stops = v === 'air'
      ? false
      : v === 'water'
        ? sourcesOnly
        : v !== undefined || // a block about to be placed
          !block || // unloaded: assume it stops
          (!NO_OUTLINE.has(block.name) && (block.name === 'water' || block.name === 'lava'
            ? sourcesOnly && isLevel0(block)
            : block.name === 'bubble_column' ? sourcesOnly : true))
    if (stops) return { pos: p, block, face }
    const axis = tMax[0] < tMax[1] ? (tMax[0] < tMax[2] ? 0 : 2) : (tMax[1] < tMax[2] ? 1 : 2)
    if (tMax[axis] > REACH) return null
    cell[axis] += step[axis]
    tMax[axis] += tDelta[axis]
    face = new Vec3(axis === 0 ? -step[0] : 0, axis === 1 ? -step[1] : 0, axis === 2 ? -step[2] : 0)
  }
  return null
}

const eyeOf = feet => feet.offset(0, EYE, 0)

/** First aim point (of `aims`) whose ray from `eye` satisfies `accept(hit)`, or null. */
function aimFrom (bot, eye, aims, sourcesOnly, accept, virtual) {
  for (const aim of aims) {
    if (eye.distanceTo(aim) > REACH - 0.1) continue
    const hit = castBucketRay(bot, eye, aim.minus(eye).normalize(), sourcesOnly, virtual)
    if (hit && accept(hit)) return aim
  }
  return null
}

function lavaNear (bot, pos) {
  for (let dx = -1; dx <= 1; dx++) {
    for (let dy = -1; dy <= 2; dy++) {
      for (let dz = -1; dz <= 1; dz++) if (bot.blockAt(pos.offset(dx, dy, dz))?.name === 'lava') return true
    }
  }
  return false
}

/**
 * Places to stand (feet cell) within `radius` of `target` from which some aim works, nearest to the bot
 * first: room for the body, solid ground, no lava next to the bot, not in `forbidden` cells.
 */
function vantages (bot, target, aims, sourcesOnly, accept, { radius = 4, forbidden = new Set(), virtual } = {}) {
  const out = []
  const here = bot.entity.position
  for (let dx = -radius; dx <= radius; dx++) {
    for (let dz = -radius; dz <= radius; dz++) {
      for (let dy = -2; dy <= 2; dy++) {
        const feet = target.offset(dx, dy, dz)
        if (forbidden.has(keyOf(feet)) || forbidden.has(keyOf(feet.offset(0, 1, 0)))) continue
        const a = bot.blockAt(feet)
        const b = bot.blockAt(feet.offset(0, 1, 0))
        const below = bot.blockAt(feet.offset(0, -1, 0))
        if (!a || !b || a.boundingBox !== 'empty' || b.boundingBox !== 'empty') continue
        if (['water', 'lava'].includes(a.name) || ['water', 'lava'].includes(b.name)) continue
        if (!solid(below) || virtual?.has(keyOf(feet))) continue
        if (lavaNear(bot, feet)) continue
        const aim = aimFrom(bot, eyeOf(feet.offset(0.5, 0, 0.5)), aims, sourcesOnly, accept, virtual)
        if (aim) out.push({ feet, aim, dist: here.distanceTo(feet.offset(0.5, 0, 0.5)) })
      }
    }
  }
  return out.sort((x, y) => x.dist - y.dist)
}

/**
 * Get to a spot from which the bucket ray hits what `accept` wants, then look there and use the held item.
 * Tries the bot's own spot first, then up to `tries` vantages. Returns true when an aim was used.
 */
async function useBucketAt (ctx, target, aims, sourcesOnly, accept, opts = {}) {
  const { bot, signal } = ctx
  const currentAim = () => aimFrom(bot, bot.entity.position.offset(0, EYE, 0), aims, sourcesOnly, accept, opts.virtual)
  let aim = bot.entity.onGround !== false ? currentAim() : null
  if (!aim) {
    const spots = vantages(bot, target, aims, sourcesOnly, accept, opts)
    if (spots.length === 0) return false
    for (const spot of spots.slice(0, opts.tries ?? 3)) {
      if (opts.budget) {
        if (opts.budget.walks <= 0) break
        opts.budget.walks--
      }
      ctx.progress(`walking to ${spot.feet} to reach ${target}`)
      try {
        await goto(ctx, new goals.GoalBlock(spot.feet.x, spot.feet.y, spot.feet.z))
      } catch (err) {
        if (signal.aborted || !(err instanceof SkillError) || err.kind !== 'unreachable') throw err
        continue
      }
      await waitTicks(ctx, 3) // let the server catch up with where the bot stands
      aim = currentAim()
      if (aim) break
    }
    if (!aim) return false
  }
  if (opts.beforeUse) await opts.beforeUse()
  await abortable(signal, bot.lookAt(aim, true))
  await waitTicks(ctx, 2)
  bot.activateItem()
  bot.deactivateItem()
  return true
}

async function holdItem (ctx, name) {
  const { bot, signal } = ctx
  const item = bot.inventory.items().find(i => i.name === name)
  if (!item) return false
  if (bot.heldItem?.name !== name) await abortable(signal, bot.equip(item, 'hand'))
  return true
}

/** Nearest fluid sources (level 0) of `fluid`, nearest first. */
function findSources (bot, fluid, max = 24) {
  const id = bot.registry.blocksByName[fluid].id
  return bot.findBlocks({ matching: id, maxDistance: FLUID_RANGE, count: max, useExtraInfo: b => isLevel0(b) })
}

module.exports = {
  FLUID_RANGE, REACH, EYE, NO_OUTLINE, SIDES, FACES, isLevel0, solid, keyOf, castBucketRay, aimFrom, useBucketAt, holdItem, findSources
}
