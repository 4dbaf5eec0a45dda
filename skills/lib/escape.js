'use strict'
// Digging out, where the pathfinder finds no way:
// - escape(): from where no path starts, a bot standing in lava (flowing in after obsidian was mined next to
//   it) or with a block in its feet or head cell. Every skill that walks would wait out its deadline; instead
//   the bot digs its own cells free, or digs a way into a dry neighbouring cell (level or one up) and steps
//   there with its own controls.
// - climbStairs(): up, when no path up is found (surface): a staircase dug by hand, one step up per block,
//   in a heading with no fluid in or beside the cut.
const { Vec3 } = require('vec3')
const { SkillError } = require('./errors')
const { isFluid, isSolid, digAt } = require('./digging')
const { scaffoldItem } = require('./inventory')
const { sleep, stopMotion, throwIfAborted } = require('./cancel')

const UP = new Vec3(0, 1, 0)
const SIDES = [new Vec3(1, 0, 0), new Vec3(-1, 0, 0), new Vec3(0, 0, 1), new Vec3(0, 0, -1)]
const ALL_SIDES = [...SIDES, UP, new Vec3(0, -1, 0)]
const SHORE_RADIUS = 6 // blocks around a bot under water searched for a dry cell to climb out onto
const SWIM_TICKS = 100 // ticks of swimming toward it
const AIR_REACH = 12 // cells of swimming searched for open air from a bot under water
const PINNED_TICKS = 10 // ticks without moving, while swimming, after which a block over the head is dug
const STEP_TICKS = 40 // ticks of walking toward the exit cell before giving up on it
const TRIES = 3

function isLava (block) { return block?.name === 'lava' || block?.name === 'flowing_lava' }

function isWater (block) { return block?.name === 'water' || block?.name === 'bubble_column' }

function breakable (block) {
  return !!block && block.diggable !== false && block.hardness != null && block.hardness >= 0
}

/** The top of a block's collision shapes within its cell (0..1; 0 for none). */
function shapeTop (block) {
  return Math.max(0, ...(block?.shapes || []).map(s => s[4]))
}

/**
 * Why no path can start where the bot stands: 'lava' when its feet or head cell holds lava, 'block' when a
 * block fills its head cell or rises in its feet cell above its feet, 'water' when its head is under water
 * (at the bottom of a lake the path search finds no move); null when it can walk.
 */
function trapped (bot) {
  const pos = bot.entity.position
  const feet = pos.floored()
  const f = bot.blockAt(feet)
  const h = bot.blockAt(feet.plus(UP))
  if (isLava(f) || isLava(h)) return 'lava'
  if (isSolid(h) || (isSolid(f) && shapeTop(f) > pos.y - feet.y + 0.01)) return 'block'
  if (isWater(h)) return 'water'
  return null
}

/** Blocks to dig before a cell (feet and head) can be entered; null when it cannot be made safe. */
function cellDigs (bot, feet) {
  const digs = []
  for (const c of [feet, feet.plus(UP)]) {
    const b = bot.blockAt(c)
    if (!b || isLava(b)) return null
    if (b.boundingBox === 'empty') continue
    if (!breakable(b)) return null
    digs.push(c)
  }
  return digs
}

/**
 * Dry cells next to the bot it can step into, fewest digs first: level or one up, with a solid floor and
 * no lava in the cell; a step up also needs the cell over the bot's head open (or breakable).
 */
function exits (bot) {
  const feet = bot.entity.position.floored()
  const options = []
  for (const d of SIDES) {
    for (const dy of [0, 1]) {
      const cell = feet.plus(d).offset(0, dy, 0)
      const floor = bot.blockAt(cell.minus(UP))
      if (!isSolid(floor) || isLava(floor)) continue
      const digs = cellDigs(bot, cell)
      if (!digs) continue
      if (dy === 1) {
        const over = bot.blockAt(feet.plus(UP).plus(UP))
        if (!over || isLava(over) || (over.boundingBox !== 'empty' && !breakable(over))) continue
        if (over.boundingBox !== 'empty') digs.push(feet.plus(UP).plus(UP))
      }
      const lavaNear = SIDES.some(s => isLava(bot.blockAt(cell.plus(s))))
      options.push({ cell, digs, score: digs.length + dy + (lavaNear ? 3 : 0) })
    }
  }
  return options.sort((a, b) => a.score - b.score)
}

/** The nearest dry cell to stand on (solid floor, open feet and head, no fluid) around the bot, or null. */
function nearestShore (bot) {
  const feet = bot.entity.position.floored()
  let best = null
  for (let dx = -SHORE_RADIUS; dx <= SHORE_RADIUS; dx++) {
    for (let dz = -SHORE_RADIUS; dz <= SHORE_RADIUS; dz++) {
      for (let dy = -1; dy <= SHORE_RADIUS; dy++) {
        const c = feet.offset(dx, dy, dz)
        const f = bot.blockAt(c); const h = bot.blockAt(c.plus(UP)); const floor = bot.blockAt(c.minus(UP))
        if (!f || !h || f.boundingBox !== 'empty' || h.boundingBox !== 'empty' || isFluid(f) || isFluid(h)) continue
        if (!isSolid(floor)) continue
        const d = Math.hypot(dx, dz) + Math.max(0, dy) * 0.5
        if (!best || d < best.d) best = { c, d }
      }
    }
  }
  return best?.c ?? null
}

/**
 * The nearest open cell (no block, no fluid) the bot can swim to from its head cell through water, within
 * AIR_REACH cells of swimming, or null: the surface, or an air pocket under a ceiling.
 */
function nearestAir (bot) {
  const start = bot.entity.position.floored().plus(UP)
  const seen = new Set([String(start)])
  let frontier = [start]
  for (let d = 0; d < AIR_REACH && frontier.length > 0; d++) {
    const next = []
    for (const p of frontier) {
      for (const n of [UP, ...SIDES]) { // up first: the surface over the bot when there is one
        const c = p.plus(n)
        if (seen.has(String(c))) continue
        seen.add(String(c))
        const b = bot.blockAt(c)
        if (isWater(b)) next.push(c)
        else if (b && b.boundingBox === 'empty' && !isFluid(b)) return c
      }
    }
    frontier = next
  }
  return null
}

/**
 * Swim up (jump held) to open air, then toward the nearest shore, with the bot's own controls, until the
 * head is out. Under a ceiling the bot first swims to the nearest open water (the shore may lie beyond a
 * wall it would press against forever); a block over its head that holds it down is dug when it stops rising.
 */
async function swimOut (ctx) {
  const { bot, signal } = ctx
  const shore = nearestShore(bot)
  const air = nearestAir(bot)
  let last = bot.entity.position.clone()
  try {
    for (let t = 1; t <= SWIM_TICKS && trapped(bot) === 'water'; t++) {
      throwIfAborted(signal)
      const feet = bot.entity.position.floored()
      const goal = air && feet.y + 1 < air.y ? air.offset(0.5, 0.5, 0.5) : shore?.offset(0.5, 1.6, 0.5)
      bot.setControlState('jump', true)
      if (goal) {
        await bot.lookAt(goal, true)
        bot.setControlState('forward', Math.hypot(goal.x - bot.entity.position.x, goal.z - bot.entity.position.z) > 0.3)
      }
      await bot.waitForTicks(1)
      if (t % PINNED_TICKS !== 0) continue
      const moved = bot.entity.position.distanceTo(last)
      last = bot.entity.position.clone()
      const over = bot.blockAt(feet.offset(0, 2, 0))
      if (moved < 0.1 && isSolid(over) && breakable(over)) {
        ctx.progress(`digging the ${over.name} over the bot's head at ${over.position}`)
        stopMotion(bot)
        await digAt(ctx, over.position)
      }
    }
    const landing = trapped(bot) === null && nearestShore(bot) // from where the head came out
    if (landing) await stepInto(ctx, landing).catch(() => false)
  } finally {
    stopMotion(bot)
  }
}

/** Walk into the cell next to the bot with its own controls (the pathfinder plans no move from here). */
async function stepInto (ctx, cell) {
  const { bot, signal } = ctx
  const target = cell.offset(0.5, 0, 0.5)
  const up = cell.y > bot.entity.position.floored().y
  try {
    await bot.lookAt(target.offset(0, 1.6, 0), true)
    bot.setControlState('forward', true)
    for (let t = 0; t < STEP_TICKS && !bot.entity.position.floored().equals(cell); t++) {
      throwIfAborted(signal)
      bot.setControlState('jump', up || Boolean(trapped(bot)))
      await bot.lookAt(target.offset(0, 1.6, 0), true)
      await bot.waitForTicks(1)
    }
  } finally {
    stopMotion(bot)
  }
  await sleep(signal, 150) // let the last movement settle
  return bot.entity.position.floored().equals(cell)
}

/**
 * Free the bot when it is trapped (see trapped()); a no-op otherwise. Throws SkillError('unreachable') when
 * no way out is found.
 */
async function escape (ctx) {
  const { bot } = ctx
  for (let attempt = 0; attempt < TRIES; attempt++) {
    const why = trapped(bot)
    if (!why) return attempt > 0
    const feet = bot.entity.position.floored()
    if (why === 'block') {
      ctx.progress(`digging out: a block in the bot's own cells at ${feet}`)
      for (const c of [feet.plus(UP), feet]) {
        const b = bot.blockAt(c)
        if (isSolid(b) && breakable(b)) await digAt(ctx, c)
      }
      continue
    }
    if (why === 'water') {
      ctx.progress(`swimming out of the water at ${feet}`)
      await swimOut(ctx)
      continue
    }
    const options = exits(bot)
    if (options.length === 0) break
    ctx.progress(`getting out of lava at ${feet}`)
    for (const { cell, digs } of options) {
      for (const c of digs) await digAt(ctx, c)
      if (await stepInto(ctx, cell)) break
    }
  }
  const why = trapped(bot)
  if (why) {
    const where = bot.entity.position.floored()
    throw new SkillError('unreachable', why === 'lava'
      ? `stuck in lava at ${where}: no dry cell next to it to step into`
      : why === 'water' ? `under water at ${where}: no shore found within ${SHORE_RADIUS} blocks`
        : `inside a block at ${where} that cannot be dug`)
  }
  return true
}

/**
 * The cut for one step up from feet p in heading d (the cell over the bot's head, the step's feet and head
 * cells) and the step's floor, when no fluid is in or beside the cut and every block of it can be broken;
 * null otherwise.
 */
function stairStep (bot, p, d) {
  const q = p.plus(d).plus(UP)
  const cut = [p.plus(UP).plus(UP), q, q.plus(UP)]
  const own = new Set([...cut, p, p.plus(UP)].map(String))
  for (const c of cut) {
    const b = bot.blockAt(c)
    if (!b || isFluid(b) || (b.boundingBox !== 'empty' && !breakable(b))) return null
    if (ALL_SIDES.some(n => !own.has(String(c.plus(n))) && isFluid(bot.blockAt(c.plus(n))))) return null
  }
  const floor = bot.blockAt(q.minus(UP))
  if (!floor || isFluid(floor)) return null
  return { q, cut, floor: q.minus(UP), needsFloor: !isSolid(floor) }
}

async function buildStep (ctx, floor) {
  const { bot } = ctx
  const item = scaffoldItem(bot)
  const ref = bot.blockAt(floor.minus(UP))
  if (!item || !isSolid(ref)) return false
  const here = bot.blockAt(floor)
  if (here && here.boundingBox === 'empty' && here.name !== 'air' && here.name !== 'cave_air') await digAt(ctx, floor)
  await bot.equip(item, 'hand')
  try { await bot.placeBlock(ref, UP) } catch (err) { ctx.log(`placing the step's floor at ${floor} failed: ${err.message}`) }
  return isSolid(bot.blockAt(floor))
}

/**
 * Dig a staircase up by hand, `steps` blocks (fewer when the open sky comes first: `done()` says so). Keeps
 * its heading while it can; throws SkillError('unreachable') when no heading is dry and breakable.
 */
async function climbStairs (ctx, steps, done = () => false) {
  const { bot, signal } = ctx
  let heading = null
  let climbed = 0
  const bad = new Set()
  while (climbed < steps && !done()) {
    throwIfAborted(signal)
    const p = bot.entity.position.floored()
    const order = heading ? [heading, ...SIDES.filter(d => !d.equals(heading))] : SIDES
    const choice = order.filter(d => !bad.has(`${p}|${d}`)).map(d => ({ d, step: stairStep(bot, p, d) })).find(c => c.step)
    if (!choice) throw new SkillError('unreachable', `no dry heading to dig a staircase up from ${p}`)
    const { d, step } = choice
    for (let attempt = 0; attempt < 4; attempt++) { // falling sand or gravel can refill the cut
      const left = step.cut.filter(c => bot.blockAt(c)?.boundingBox !== 'empty')
      if (left.length === 0) break
      for (const c of left) await digAt(ctx, c)
      await sleep(signal, 100)
    }
    if (step.needsFloor && !(await buildStep(ctx, step.floor))) { bad.add(`${p}|${d}`); continue }
    if (await stepInto(ctx, step.q)) {
      heading = d
      climbed++
      ctx.progress(`staircase up: y ${step.q.y}`)
    } else {
      bad.add(`${p}|${d}`)
      heading = null
    }
  }
  return climbed
}

module.exports = { trapped, escape, exits, climbStairs }
