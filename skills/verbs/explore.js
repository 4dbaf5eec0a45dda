'use strict'
// explore: walk some distance in a direction the bot has not explored yet (the places it explored are kept
// on the bot), in short legs that swerve around what blocks the way, and off onto dry ground at the end.
const { SkillError } = require('../lib/errors')
const { goals, goto, Movements, WALK_AROUND_DIG_COST } = require('../lib/pathing')
const { isFluid } = require('../lib/digging')
const { Vec3 } = require('vec3')

const LEG = 16 // blocks per path search: short legs keep every search small
const HEADINGS = 16
const MAX_HEADINGS_TRIED = 3 // new headings tried, farthest from the places explored first
const MAX_VISITED = 64
const COMPASS = ['east', 'south-east', 'south', 'south-west', 'west', 'north-west', 'north', 'north-east']

function exploreState (bot) {
  if (!bot.__larmExplore) Object.defineProperty(bot, '__larmExplore', { value: { visited: [] }, enumerable: false })
  return bot.__larmExplore
}

function remember (state, pos) {
  state.visited.push(new Vec3(pos.x, 0, pos.z))
  if (state.visited.length > MAX_VISITED) state.visited.shift()
}

function compass (angle) {
  const i = Math.round(((angle % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI) / (Math.PI / 4)) % 8
  return COMPASS[i]
}

/**
 * A number in [0, 1) fixed by the start block and the heading: it breaks ties between headings like noise
 * would, but the same world and the same start give the same walk (runs and tests repeat).
 */
function jitter (from, i) {
  let h = (Math.floor(from.x) * 73856093) ^ (Math.floor(from.z) * 19349663) ^ (i * 83492791)
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b)
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b)
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296
}

/** Headings ordered best first: the end point farthest from every place explored before, ties broken by jitter. */
function rankHeadings (state, from, distance) {
  const out = []
  for (let i = 0; i < HEADINGS; i++) {
    const a = (i / HEADINGS) * 2 * Math.PI
    const end = new Vec3(from.x + Math.cos(a) * distance, 0, from.z + Math.sin(a) * distance)
    let score = distance * 2
    for (const v of state.visited) score = Math.min(score, Math.hypot(end.x - v.x, end.z - v.z))
    out.push({ a, score: score + jitter(from, i) * distance * 0.25 })
  }
  return out.sort((x, y) => y.score - x.score)
}

function flatDistance (a, b) {
  return Math.hypot(a.x - b.x, a.z - b.z)
}

async function walkHeading (ctx, start, angle, distance) {
  const { bot } = ctx
  let travelled = flatDistance(bot.entity.position, start)
  let heading = angle
  let legs = 0
  while (travelled < distance - 3 && legs < Math.ceil(distance / LEG) + 4) {
    legs++
    let moved = false
    for (const turn of [0, 0.6, -0.6, 1.1, -1.1]) { // straight on, then swerve around what blocks the way
      const a = heading + turn
      const here = bot.entity.position
      const step = Math.min(LEG, distance - travelled)
      const goal = new goals.GoalNearXZ(here.x + Math.cos(a) * step, here.z + Math.sin(a) * step, 2)
      const before = here.clone()
      try {
        await goto(ctx, goal)
      } catch (err) {
        if (!(err instanceof SkillError) || err.kind !== 'unreachable') throw err
      }
      if (flatDistance(bot.entity.position, before) >= 4) {
        moved = true
        heading = angle + turn / 2 // keep the general direction
        break
      }
    }
    if (!moved) break
    travelled = flatDistance(bot.entity.position, start)
    ctx.progress(`explored ${Math.round(travelled)} of ${distance} blocks ${compass(angle)}`)
  }
  return travelled
}

/**
 * Pathfinder moves for exploring: the bot's own, but digging costs more, so that it walks around hills
 * and out of holes instead of tunnelling (it still digs when there is no other way).
 */
function exploreMovements (bot) {
  const base = bot.pathfinder.movements
  const m = new Movements(bot)
  for (const k of ['canDig', 'allow1by1towers', 'allowParkour', 'allowSprinting', 'maxDropDown', 'scafoldingBlocks']) {
    if (base && k in base) m[k] = base[k]
  }
  m.digCost = WALK_AROUND_DIG_COST
  return m
}

const GROUND = ['grass_block', 'dirt', 'coarse_dirt', 'podzol', 'sand', 'red_sand', 'gravel', 'stone', 'andesite', 'diorite',
  'granite', 'sandstone', 'deepslate', 'tuff', 'snow_block', 'moss_block', 'mud', 'clay', 'terracotta']

/** An explore that ends in water walks on to the nearest dry ground within 16 blocks (a few tries). */
async function leaveWater (ctx) {
  const { bot, registry } = ctx
  if (!bot.entity.isInWater) return
  const ids = GROUND.map(n => registry.blocksByName[n]?.id).filter(id => id !== undefined)
  const open = p => { const b = bot.blockAt(p); return !!b && b.boundingBox === 'empty' && !isFluid(b) }
  const here = bot.entity.position
  const standable = b => open(b.position.offset(0, 1, 0)) && open(b.position.offset(0, 2, 0))
  const spots = bot.findBlocks({ matching: ids, useExtraInfo: standable, maxDistance: 16, count: 32 })
    .sort((a, b) => a.distanceTo(here) - b.distanceTo(here))
  for (const p of spots.slice(0, 3)) {
    ctx.progress(`leaving the water for ${p.x} ${p.y + 1} ${p.z}`)
    try {
      await goto(ctx, new goals.GoalBlock(p.x, p.y + 1, p.z))
    } catch (err) {
      if (!(err instanceof SkillError) || err.kind !== 'unreachable') throw err
    }
    if (!bot.entity.isInWater) return
  }
}

async function explore (ctx, target, args) {
  const { bot } = ctx
  const base = bot.pathfinder.movements
  bot.pathfinder.setMovements(exploreMovements(bot))
  try {
    return await exploreWith(ctx, target, args)
  } finally {
    if (base) bot.pathfinder.setMovements(base)
  }
}

async function exploreWith (ctx, _target, { distance }) {
  const { bot } = ctx
  const state = exploreState(bot)
  const start = bot.entity.position.clone()
  remember(state, start)
  const headings = rankHeadings(state, start, distance)
  for (const { a } of headings.slice(0, MAX_HEADINGS_TRIED)) {
    ctx.progress(`exploring ${compass(a)}`)
    await walkHeading(ctx, start, a, distance)
    remember(state, bot.entity.position)
    if (flatDistance(bot.entity.position, start) >= Math.min(16, distance / 2)) break
  }
  // Nowhere new to go: any way out, the way the bot came last (seen: a bridge it built over a lava lake at
  // y -56, which the new headings all led away from).
  for (const { a } of flatDistance(bot.entity.position, start) < 4 ? headings.slice(MAX_HEADINGS_TRIED) : []) {
    ctx.progress(`exploring ${compass(a)}: nowhere new to go, any way out`)
    await walkHeading(ctx, start, a, Math.min(distance, LEG))
    remember(state, bot.entity.position)
    if (flatDistance(bot.entity.position, start) >= 4) break
  }
  await leaveWater(ctx)
  const best = flatDistance(bot.entity.position, start)
  const end = bot.entity.position
  if (best < 4) throw new SkillError('unreachable', `could not walk anywhere from ${start.floored()}: blocked in every direction tried`)
  const heading = Math.atan2(end.z - start.z, end.x - start.x)
  return {
    moved: Math.round(best),
    direction: compass(heading),
    from: [Math.floor(start.x), Math.floor(start.y), Math.floor(start.z)],
    to: [Math.floor(end.x), Math.floor(end.y), Math.floor(end.z)],
    partial: best < distance - 3
  }
}

module.exports = {
  verb: 'explore',
  target: 'none',
  description: () => 'walk some distance in a direction not explored yet to find new blocks, trees, animals and water',
  args: { distance: { type: 'integer', min: 16, max: 128, default: 48 } },
  validTarget: () => true,
  deadlineMs: 180000, // up to three headings of up to 128 blocks
  run: explore,
  visitedPlaces: bot => exploreState(bot).visited // where explore has been (tests set a history with it)
}
