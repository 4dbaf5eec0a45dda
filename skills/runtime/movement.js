'use strict'
// Movement: explore (walk some distance in a direction the bot has not explored yet) and dig_down:<y>
// (dig a walkable 1x2 staircase down to level y, checking every step for lava and water around the cut).
const { SkillError } = require('./errors')
const { goals, goto, sleep, abortable, throwIfAborted, bridgeRequire } = require('./common')
const { helpers } = require('./gather')
const { Vec3 } = bridgeRequire('vec3')
const { Movements } = bridgeRequire('mineflayer-pathfinder')

const { isFluid, digAt, chooseTool } = helpers

// ---- explore --------------------------------------------------------------------------------------------------

const LEG = 16 // blocks per path search: short legs keep every search small
const HEADINGS = 16
const MAX_HEADINGS_TRIED = 3
const MAX_VISITED = 64
const EXPLORE_DIG_COST = 6 // pathfinder's default is 1
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

/** Headings ordered best first: the end point farthest from every place explored before, with some noise. */
function rankHeadings (state, from, distance) {
  const out = []
  for (let i = 0; i < HEADINGS; i++) {
    const a = (i / HEADINGS) * 2 * Math.PI
    const end = new Vec3(from.x + Math.cos(a) * distance, 0, from.z + Math.sin(a) * distance)
    let score = distance * 2
    for (const v of state.visited) score = Math.min(score, Math.hypot(end.x - v.x, end.z - v.z))
    out.push({ a, score: score + Math.random() * distance * 0.25 })
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
  m.digCost = EXPLORE_DIG_COST
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
  let best = 0
  let tried = 0
  for (const { a } of rankHeadings(state, start, distance)) {
    if (tried++ >= MAX_HEADINGS_TRIED) break
    ctx.progress(`exploring ${compass(a)}`)
    await walkHeading(ctx, start, a, distance)
    best = flatDistance(bot.entity.position, start)
    remember(state, bot.entity.position)
    if (best >= Math.min(16, distance / 2)) break
  }
  await leaveWater(ctx)
  best = flatDistance(bot.entity.position, start)
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

// ---- dig_down:<y> ---------------------------------------------------------------------------------------------

const UP = new Vec3(0, 1, 0)
const DIRS = [new Vec3(1, 0, 0), new Vec3(0, 0, 1), new Vec3(-1, 0, 0), new Vec3(0, 0, -1)]
const NEIGHBOURS = [new Vec3(1, 0, 0), new Vec3(-1, 0, 0), new Vec3(0, 1, 0), new Vec3(0, -1, 0), new Vec3(0, 0, 1), new Vec3(0, 0, -1)]
const SCAFFOLD = ['cobblestone', 'cobbled_deepslate', 'dirt', 'stone', 'deepslate', 'andesite', 'diorite', 'granite', 'tuff', 'netherrack']
const LOOKAHEAD = 4 // steps checked ahead when choosing a direction

function key (p) { return `${p.x},${p.y},${p.z}` }

function isSolid (block) {
  return !!block && block.boundingBox === 'block' && !isFluid(block)
}

/**
 * Whether the staircase step from feet position `p` in direction `d` is safe: the three blocks of the cut
 * (head room above the step, the step's head and feet) hold no fluid, touch no fluid, can be broken, are
 * not the floor of the staircase made so far (`keep`), and the block under the new feet is solid (or a
 * single missing block that can be filled).
 */
function checkStep (bot, p, d, keep = new Set()) {
  const cut = [p.plus(d).plus(UP), p.plus(d), p.plus(d).minus(UP)]
  const own = new Set([...cut, p, p.plus(UP)].map(key))
  for (const c of cut) {
    if (keep.has(key(c))) return { ok: false, reason: `the step would cut into the staircase at ${c}` }
    const b = bot.blockAt(c)
    if (!b) return { ok: false, reason: `unloaded blocks at ${c}` }
    if (isFluid(b)) return { ok: false, reason: `${b.name} at ${c}`, fluid: b.name }
    if (b.boundingBox !== 'empty' && (b.diggable === false || b.hardness == null || b.hardness < 0)) return { ok: false, reason: `${b.name} at ${c} cannot be broken`, hard: true }
    for (const n of NEIGHBOURS) {
      const q = c.plus(n)
      if (own.has(key(q))) continue
      const nb = bot.blockAt(q)
      if (isFluid(nb)) return { ok: false, reason: `${nb.name} next to the path at ${q}`, fluid: nb.name }
    }
  }
  const floor = p.plus(d).minus(UP).minus(UP)
  const fb = bot.blockAt(floor)
  if (!fb) return { ok: false, reason: `unloaded blocks at ${floor}` }
  if (isFluid(fb)) return { ok: false, reason: `${fb.name} under the step at ${floor}`, fluid: fb.name }
  if (isSolid(fb)) return { ok: true, cut, floor }
  if (isSolid(bot.blockAt(floor.minus(UP))) && scaffoldItem(bot)) return { ok: true, cut, floor, fill: true } // a one-block hole: fill it
  return { ok: false, reason: `no floor under the step at ${floor} (a cave)` }
}

/** How many of the next steps in direction d are safe (stops at the first unsafe one). */
function safeRun (bot, p, d, steps, keep) {
  let q = p
  for (let i = 0; i < steps; i++) {
    const c = checkStep(bot, q, d, keep)
    if (!c.ok) return i
    q = q.plus(d).minus(UP)
  }
  return steps
}

function scaffoldItem (bot) {
  return bot.inventory.items().find(i => SCAFFOLD.includes(i.name)) || null
}

async function fillHole (ctx, floor) {
  const { bot, signal } = ctx
  const item = scaffoldItem(bot)
  if (!item) return false
  const ref = bot.blockAt(floor.minus(UP))
  await abortable(signal, bot.equip(item, 'hand'))
  try {
    await abortable(signal, bot.placeBlock(ref, UP))
  } catch (err) {
    if (signal.aborted) throw signal.reason
    ctx.log(`placing a block at ${floor} failed: ${err.message}`)
  }
  return isSolid(bot.blockAt(floor))
}

async function clearCut (ctx, cut) {
  const { bot } = ctx
  for (let attempt = 0; attempt < 4; attempt++) { // falling sand or gravel can refill the cut
    let dirty = false
    for (const c of cut) {
      const b = bot.blockAt(c)
      if (!b || b.boundingBox === 'empty') continue
      dirty = true
      chooseTool(bot, b) // missing_tool when the block needs a tool the bot lacks
      if (!(await digAt(ctx, c))) throw new SkillError('failed', `${b.name} at ${c} did not break`)
    }
    if (!dirty) return
    await sleep(ctx.signal, 100)
  }
}

async function stepTo (ctx, q) {
  const { bot } = ctx
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await goto(ctx, new goals.GoalBlock(q.x, q.y, q.z))
    } catch (err) {
      if (!(err instanceof SkillError) || err.kind !== 'unreachable') throw err
    }
    if (bot.entity.position.floored().equals(q)) {
      const landStart = Date.now() // land on the step before the next dig (and before returning)
      while (!bot.entity.onGround && Date.now() - landStart < 1500) await sleep(ctx.signal, 50)
      return true
    }
    await sleep(ctx.signal, 200)
  }
  return bot.entity.position.floored().equals(q)
}

function hasPickaxe (bot) {
  return bot.inventory.items().some(i => i.name.endsWith('_pickaxe'))
}

const BACKTRACK_STEPS = 8 // how far back up the staircase a new branch may start after a dead end
const MAX_BACKTRACKS = 4

function sides (d) {
  return [new Vec3(d.z, 0, -d.x), new Vec3(-d.z, 0, d.x)]
}

async function digDown (ctx, targetY) {
  const { bot, signal } = ctx
  const start = bot.entity.position.floored()
  if (start.y <= targetY) return { y: start.y, steps: 0, already_there: true }
  if (!hasPickaxe(bot) && start.y - targetY > 3) {
    throw new SkillError('missing_tool', 'digging a staircase down through stone needs a pickaxe')
  }
  const path = [start] // feet positions of the staircase, top to bottom
  const used = [] // used[i]: the direction from path[i] to path[i + 1]
  const keep = new Set([key(start.minus(UP))]) // the staircase floor: never dug
  const tried = new Map() // position key -> directions found dead from there
  const deadFrom = (p, d) => (tried.get(key(p)) || []).some(x => x.equals(d))
  const markDead = (p, d) => tried.set(key(p), [...(tried.get(key(p)) || []), d])
  const choose = (p, options) => options
    .filter(d => !deadFrom(p, d))
    .map(d => ({ d, c: checkStep(bot, p, d, keep), run: safeRun(bot, p, d, LOOKAHEAD, keep) }))
    .filter(o => o.c.ok)
    .sort((a, b) => b.run - a.run)

  // the first direction: the one whose next steps are safe for longest, the way the bot faces on ties
  const facing = Math.round(bot.entity.yaw / (Math.PI / 2)) // mineflayer's yaw: 0 faces -z, pi/2 faces -x
  const byFacing = [new Vec3(0, 0, -1), new Vec3(-1, 0, 0), new Vec3(0, 0, 1), new Vec3(1, 0, 0)]
  const preferred = byFacing[((facing % 4) + 4) % 4]
  const first = choose(start, [preferred, ...DIRS.filter(d => !d.equals(preferred))])
  if (first.length === 0) throw new SkillError('failed', `no safe first step from ${start}: ${checkStep(bot, start, preferred, keep).reason}`)
  let dir = first[0].d
  let turns = 0
  let backtracks = 0
  let digs = 0
  const maxSteps = (start.y - targetY) * 2 + 16
  while (bot.entity.position.floored().y > targetY) {
    throwIfAborted(signal)
    if (digs++ > maxSteps) throw new SkillError('failed', `gave up after ${digs} steps at y=${bot.entity.position.floored().y}`)
    const p = path[path.length - 1]
    const back = used.length ? used[used.length - 1].scaled(-1) : null
    let check = checkStep(bot, p, dir, keep)
    let run = check.ok ? safeRun(bot, p, dir, LOOKAHEAD, keep) : 0
    if (!check.ok || run < LOOKAHEAD) {
      // trouble now or within a few steps: turn left or right if that way is clearer (never back: that
      // would dig out the step just made)
      const side = choose(p, sides(dir).filter(d => !back || !d.equals(back)))
      if (side.length && (!check.ok || side[0].run > run)) {
        ctx.log(`turning at ${p}: ${check.ok ? `only ${run} safe steps ahead` : check.reason}`)
        dir = side[0].d
        check = side[0].c
        run = side[0].run
        turns++
      }
    }
    if (!check.ok) {
      // a dead end: walk back up a few steps and branch off sideways from there
      markDead(p, dir)
      let branch = null
      for (let k = path.length - 2; k >= Math.max(0, path.length - 1 - BACKTRACK_STEPS) && !branch; k--) {
        const arrived = k > 0 ? used[k - 1].scaled(-1) : null
        const options = choose(path[k], DIRS.filter(d => !d.equals(used[k]) && !(arrived && d.equals(arrived))))
        if (options.length) branch = { k, o: options[0] }
      }
      if (!branch || backtracks >= MAX_BACKTRACKS) {
        const what = check.fluid ? `${check.fluid} ahead` : (check.hard ? 'unbreakable block ahead' : 'no safe step ahead')
        throw new SkillError('failed', `${what} (${check.reason}); stopped at y=${p.y}, ${p.y - targetY} above the target`)
      }
      backtracks++
      ctx.progress(`dead end at y=${p.y} (${check.reason}): going back up to y=${path[branch.k].y} to branch off`)
      if (!(await stepTo(ctx, path[branch.k]))) throw new SkillError('failed', `could not walk back up the staircase to ${path[branch.k]}`)
      for (const q of path.splice(branch.k + 1)) keep.delete(key(q.minus(UP)))
      used.splice(branch.k)
      dir = branch.o.d
      continue
    }
    await clearCut(ctx, check.cut)
    if (check.fill && !(await fillHole(ctx, check.floor))) {
      throw new SkillError('failed', `a hole under the step at ${check.floor} could not be filled; stopped at y=${p.y}`)
    }
    const q = p.plus(dir).minus(UP)
    if (!(await stepTo(ctx, q))) throw new SkillError('failed', `could not step down to ${q}`)
    path.push(q)
    used.push(dir)
    keep.add(key(q.minus(UP)))
    if ((path.length - 1) % 8 === 0) ctx.progress(`staircase at y=${q.y}, target ${targetY}`)
  }
  const end = bot.entity.position.floored()
  ctx.progress(`reached y=${end.y}`)
  return {
    y: end.y,
    steps: path.length - 1,
    turns,
    backtracks,
    start: [start.x, start.y, start.z],
    end: [end.x, end.y, end.z]
  }
}

module.exports = [
  {
    verb: 'explore',
    target: 'none',
    description: () => 'walk some distance in a direction not explored yet to find new blocks, trees, animals and water',
    args: { distance: { type: 'integer', min: 16, max: 128, default: 48 } },
    validTarget: () => true,
    run: explore
  },
  {
    verb: 'dig_down',
    target: 'y',
    description: target => `dig a safe staircase down to height y=${target}, steering around lava and water, so that it can be walked back up`,
    args: {},
    validTarget: (target) => /^-?\d+$/.test(target) && Number(target) >= -64 && Number(target) <= 320,
    run: (ctx, target) => digDown(ctx, target)
  }
]
