'use strict'
// dig_down:<y>: dig a walkable 1x2 staircase down to level y, checking every step for lava and water around
// the cut.
//
// The staircase goes down one block per step: from feet position p in heading d it digs the cut (p+d+1,
// p+d, p+d-1) and steps onto the floor p+d-2. Every cut is checked for fluids in and around it, and the
// floor of the staircase made so far is never dug. Where the floor of a step is missing (a cave), the bot
// builds it from blocks it carries (placed against a solid neighbour, or against a block first placed under
// its own floor); where no heading works it walks down into the cave with a bounded path search; else it
// walks back up a few steps and branches off. A failed call leaves its staircase and its dead ends on the
// bot, so that a retry from where it stopped goes on with the same staircase and does not take them again.
const { SkillError } = require('../lib/errors')
const { sleep, abortable, throwIfAborted } = require('../lib/cancel')
const { goals, goto, Movements, WALK_AROUND_DIG_COST } = require('../lib/pathing')
const { isFluid, isSolid, digAt, chooseTool } = require('../lib/digging')
const { scaffoldItem, scaffoldCount } = require('../lib/inventory')
const { escape, trapped } = require('../lib/escape')
const { Vec3 } = require('vec3')

const UP = new Vec3(0, 1, 0)
const DIRS = [new Vec3(1, 0, 0), new Vec3(0, 0, 1), new Vec3(-1, 0, 0), new Vec3(0, 0, -1)]
const DIR_NAMES = ['east', 'south', 'west', 'north']
const NEIGHBOURS = [new Vec3(1, 0, 0), new Vec3(-1, 0, 0), new Vec3(0, 1, 0), new Vec3(0, -1, 0), new Vec3(0, 0, 1), new Vec3(0, 0, -1)]
const AIR = new Set(['air', 'cave_air', 'void_air'])
const LOOKAHEAD = 4 // steps checked ahead when choosing a direction
const BACKTRACK_STEPS = 8 // how far back up the staircase a new branch may start after a dead end
const MAX_BACKTRACKS = 4
const MAX_DESCENTS = 4 // walks down into a cave per call
const DESCENT_DEPTH = 16 // how far below the bot a cave floor is looked for
const DESCENT_RADIUS = 10 // ... and how far to the side
const DESCENT_CELLS = 4000 // cave cells visited by the flood fill
const DESCENT_TRIES = 3 // cave floor spots tried per descent
const MAX_DEAD = 512 // dead ends remembered on the bot

function key (p) { return `${p.x},${p.y},${p.z}` }
function dirName (d) { return DIR_NAMES[DIRS.findIndex(x => x.equals(d))] || `${d}` }
function sides (d) { return [new Vec3(d.z, 0, -d.x), new Vec3(-d.z, 0, d.x)] }

/** Empty and no fluid: air, or a plant, vine or torch the bot walks through. */
function isOpenBlock (block) {
  return !!block && block.boundingBox === 'empty' && !isFluid(block)
}

/** What dig_down keeps on the bot between calls: the last staircase (to go on with it) and the dead ends. */
function digState (bot) {
  if (!bot.__larmDigDown) Object.defineProperty(bot, '__larmDigDown', { value: { last: null, dead: new Map() }, enumerable: false })
  return bot.__larmDigDown
}

/**
 * The world as it will be after the steps planned so far: their cuts dug (`air`), their floors built
 * (`solid`), `blocks` left to build with. checkStep looks through it so that the look-ahead sees a staircase
 * bridged over a cave the way it will be.
 */
function newSim (bot) { return { air: new Set(), solid: new Set(), blocks: scaffoldCount(bot) } }
function copySim (s) { return { air: new Set(s.air), solid: new Set(s.solid), blocks: s.blocks } }

function solidIn (bot, sim, p) {
  const k = key(p)
  if (sim.solid.has(k)) return true
  if (sim.air.has(k)) return false
  return isSolid(bot.blockAt(p))
}

function openIn (bot, sim, p) {
  const k = key(p)
  if (sim.solid.has(k)) return false
  if (sim.air.has(k)) return true
  return isOpenBlock(bot.blockAt(p))
}

/**
 * The blocks to place so that the floor `f` of the step from p in heading d exists: one block against a
 * solid neighbour of f (the block under it, the one beyond it, the ones beside it, the one under the bot's
 * floor), or, over open cave, first a block under the bot's own floor and then f against it. null when
 * there is nothing to build against.
 */
function planFloor (bot, sim, p, d, f) {
  const [s1, s2] = sides(d)
  for (const [ref, face] of [[f.minus(UP), UP], [f.plus(d), d.scaled(-1)], [f.plus(s1), s1.scaled(-1)], [f.plus(s2), s2.scaled(-1)], [f.minus(d), d]]) {
    if (solidIn(bot, sim, ref)) return [{ pos: f, ref, face }]
  }
  const under = p.minus(UP).minus(UP) // f - d: under the bot's floor
  if (openIn(bot, sim, under) && solidIn(bot, sim, p.minus(UP))) {
    return [{ pos: under, ref: p.minus(UP), face: UP.scaled(-1) }, { pos: f, ref: under, face: d }]
  }
  return null
}

/**
 * Whether the staircase step from feet position `p` in heading `d` is safe: the three blocks of the cut
 * (head room above the step, the step's head and feet) hold no fluid, touch no fluid, can be broken and
 * are not the floor of the staircase (`keep`); the block under the new feet is solid, or missing and can be
 * built from the blocks the bot carries (`place`). `cave` marks a step that failed for want of a floor.
 */
function checkStep (bot, p, d, keep = new Set(), sim = newSim(bot)) {
  const cut = [p.plus(d).plus(UP), p.plus(d), p.plus(d).minus(UP)]
  const own = new Set([...cut, p, p.plus(UP)].map(key))
  for (const c of cut) {
    if (keep.has(key(c))) return { ok: false, reason: `the step would cut into the staircase at ${c}` }
    if (sim.solid.has(key(c))) return { ok: false, reason: `the step would cut into a floor to be built at ${c}` }
    if (!sim.air.has(key(c))) {
      const b = bot.blockAt(c)
      if (!b) return { ok: false, reason: `unloaded blocks at ${c}` }
      if (isFluid(b)) return { ok: false, reason: `${b.name} at ${c}`, fluid: b.name }
      if (b.boundingBox !== 'empty' && (b.diggable === false || b.hardness == null || b.hardness < 0)) return { ok: false, reason: `${b.name} at ${c} cannot be broken`, hard: true }
    }
    for (const n of NEIGHBOURS) {
      const q = c.plus(n)
      if (own.has(key(q)) || sim.solid.has(key(q))) continue
      const nb = bot.blockAt(q)
      if (isFluid(nb)) return { ok: false, reason: `${nb.name} next to the path at ${q}`, fluid: nb.name }
    }
  }
  const floor = p.plus(d).minus(UP).minus(UP)
  if (solidIn(bot, sim, floor)) return { ok: true, cut, floor, place: [] }
  const fb = bot.blockAt(floor)
  if (!fb) return { ok: false, reason: `unloaded blocks at ${floor}` }
  if (isFluid(fb) && !sim.air.has(key(floor))) return { ok: false, reason: `${fb.name} under the step at ${floor}`, fluid: fb.name }
  const place = planFloor(bot, sim, p, d, floor)
  if (!place) return { ok: false, reason: `no floor under the step at ${floor} (a cave) and nothing to build one against`, cave: floor }
  if (place.length > sim.blocks) return { ok: false, reason: `no floor under the step at ${floor} (a cave) and no blocks left to build one`, cave: floor }
  return { ok: true, cut, floor, place }
}

/** How many of the next steps in heading d are safe (up to the first unsafe one), and the blocks they place. */
function safeRun (bot, p, d, steps, keep, sim0 = newSim(bot)) {
  const sim = copySim(sim0)
  let q = p
  let placed = 0
  for (let i = 0; i < steps; i++) {
    const c = checkStep(bot, q, d, keep, sim)
    if (!c.ok) return { run: i, placed }
    for (const x of c.cut) sim.air.add(key(x))
    for (const pl of c.place) sim.solid.add(key(pl.pos))
    sim.blocks -= c.place.length
    placed += c.place.length
    q = q.plus(d).minus(UP)
  }
  return { run: steps, placed }
}

/** Better first: more safe steps ahead, then fewer blocks to place. */
function better (a, b) {
  return a.run !== b.run ? a.run > b.run : a.placed < b.placed
}

/** Build the floor of a step: each planned block placed against its reference face. */
async function buildFloor (ctx, place) {
  const { bot, signal } = ctx
  for (const { pos, ref, face } of place) {
    let b = bot.blockAt(pos)
    if (isSolid(b)) continue
    if (!b || isFluid(b)) return false
    if (!AIR.has(b.name) && !(await digAt(ctx, pos))) return false // a vine, lichen or plant in the way
    const item = scaffoldItem(bot)
    const refBlock = bot.blockAt(ref)
    if (!item || !isSolid(refBlock)) return false
    await abortable(signal, bot.equip(item, 'hand'))
    try {
      await abortable(signal, bot.placeBlock(refBlock, face))
    } catch (err) {
      if (signal.aborted) throw signal.reason
      ctx.log(`placing ${item.name} at ${pos} failed: ${err.message}`)
    }
    for (let i = 0; i < 10 && !isSolid(bot.blockAt(pos)); i++) await sleep(signal, 50)
    b = bot.blockAt(pos)
    if (!isSolid(b)) return false
    ctx.log(`placed ${b.name} at ${pos}`)
  }
  return true
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
      await land(ctx)
      return true
    }
    await sleep(ctx.signal, 200)
  }
  return bot.entity.position.floored().equals(q)
}

/** Wait until the bot stands on the ground (before the next dig, and before returning). */
async function land (ctx) {
  const { bot } = ctx
  const landStart = Date.now()
  while (!bot.entity.onGround && !bot.entity.isInWater && Date.now() - landStart < 1500) await sleep(ctx.signal, 50)
}

function hasPickaxe (bot) {
  return bot.inventory.items().some(i => i.name.endsWith('_pickaxe'))
}

/** No fluid in or beside the feet and head cells of a stand spot, nor in the block under it. */
function dryStand (bot, s) {
  for (const c of [s, s.plus(UP)]) {
    for (const n of NEIGHBOURS) if (isFluid(bot.blockAt(c.plus(n)))) return false
  }
  return true
}

/**
 * Spots to stand on in the cave below: a flood fill through open cells from the missing floors `seeds`,
 * kept within DESCENT_DEPTH below and DESCENT_RADIUS beside the bot, collecting open feet-and-head cells
 * over a solid block, at least 3 below the bot and not below the target. Deepest first, then nearest.
 */
function caveFloors (bot, from, seeds, targetY) {
  const minY = Math.max(targetY, from.y - DESCENT_DEPTH)
  const seen = new Set()
  const queue = []
  for (const s of seeds) if (isOpenBlock(bot.blockAt(s))) { seen.add(key(s)); queue.push(s) }
  const spots = []
  while (queue.length && seen.size < DESCENT_CELLS) {
    const c = queue.shift()
    if (c.y <= from.y - 3 && c.y >= minY && isSolid(bot.blockAt(c.minus(UP))) && isOpenBlock(bot.blockAt(c.plus(UP))) && dryStand(bot, c)) spots.push(c)
    for (const n of NEIGHBOURS) {
      const q = c.plus(n)
      if (seen.has(key(q)) || q.y < minY || q.y > from.y + 1) continue
      if (Math.max(Math.abs(q.x - from.x), Math.abs(q.z - from.z)) > DESCENT_RADIUS) continue
      seen.add(key(q))
      if (isOpenBlock(bot.blockAt(q))) queue.push(q)
    }
  }
  const flat = s => Math.max(Math.abs(s.x - from.x), Math.abs(s.z - from.z))
  return spots.sort((a, b) => a.y - b.y || flat(a) - flat(b))
}

/** Pathfinder moves for going down into a cave: may dig and drop up to 4 blocks, no towers nor parkour. */
function descentMovements (bot) {
  const base = bot.pathfinder.movements
  const m = new Movements(bot)
  if (base?.scafoldingBlocks) m.scafoldingBlocks = base.scafoldingBlocks
  m.canDig = true
  m.digCost = WALK_AROUND_DIG_COST // walk the cave rather than tunnel
  m.maxDropDown = 4
  m.infiniteLiquidDropdownDistance = false
  m.allow1by1towers = false
  m.allowParkour = false
  m.allowSprinting = false
  return m
}

/**
 * Walk down into the cave under the missing floors `seeds` with a bounded path search, to a floor spot up to
 * DESCENT_DEPTH lower. Returns the new feet position, or null when no spot was reached.
 */
async function descend (ctx, from, seeds, targetY) {
  const { bot } = ctx
  const spots = caveFloors(bot, from, seeds, targetY)
  if (spots.length === 0) return null
  const base = bot.pathfinder.movements
  bot.pathfinder.setMovements(descentMovements(bot))
  try {
    for (const s of spots.slice(0, DESCENT_TRIES)) {
      ctx.progress(`walking down into the cave to ${s.x} ${s.y} ${s.z}`)
      try {
        await goto(ctx, new goals.GoalBlock(s.x, s.y, s.z))
      } catch (err) {
        if (!(err instanceof SkillError) || err.kind !== 'unreachable') throw err
        ctx.log(`no way down to ${s}: ${err.message}`)
      }
      await land(ctx)
      const here = bot.entity.position.floored()
      if (here.y <= from.y - 2 && isSolid(bot.blockAt(here.minus(UP)))) return here
    }
    return null
  } finally {
    if (base) bot.pathfinder.setMovements(base)
  }
}

async function digDown (ctx, targetY) {
  const { bot, signal } = ctx
  if (trapped(bot)) await escape(ctx) // no staircase starts in lava
  const start = bot.entity.position.floored()
  if (start.y <= targetY) return { y: start.y, steps: 0, already_there: true }
  if (!hasPickaxe(bot) && start.y - targetY > 3) {
    throw new SkillError('missing_tool', 'digging a staircase down through stone needs a pickaxe')
  }
  const state = digState(bot)
  const old = state.last
  // the bot stands where the last staircase ended: go on with it (its dead ends stay dead)
  const resumed = !!old && old.path.length >= 1 && old.path[old.path.length - 1].equals(start)
  let path = resumed ? old.path : [start] // feet positions of the staircase, top to bottom
  let used = resumed ? old.used : [] // used[i]: the heading from path[i] to path[i + 1]
  state.last = { path, used }
  // the staircase floor is never dug: this one's, and the last one's (a retry must not cut into it)
  const keep = new Set([...(old ? old.path : []), ...path].map(q => key(q.minus(UP))))
  const deadFrom = (p, d) => (state.dead.get(key(p)) || []).some(x => x.equals(d))
  const markDead = (p, d) => {
    const k = key(p)
    const list = state.dead.get(k) || []
    if (!list.some(x => x.equals(d))) list.push(d)
    state.dead.delete(k)
    state.dead.set(k, list)
    if (state.dead.size > MAX_DEAD) state.dead.delete(state.dead.keys().next().value)
  }
  const choose = (p, options) => options
    .filter(d => !deadFrom(p, d))
    .map(d => ({ d, c: checkStep(bot, p, d, keep), ...safeRun(bot, p, d, LOOKAHEAD, keep) }))
    .filter(o => o.c.ok)
    .sort((a, b) => better(a, b) ? -1 : better(b, a) ? 1 : 0)

  // the first heading: the one whose next steps are safe for longest, the way the bot faces on ties
  const facing = Math.round(bot.entity.yaw / (Math.PI / 2)) // mineflayer's yaw: 0 faces -z, pi/2 faces -x
  const byFacing = [new Vec3(0, 0, -1), new Vec3(-1, 0, 0), new Vec3(0, 0, 1), new Vec3(1, 0, 0)]
  const preferred = byFacing[((facing % 4) + 4) % 4]
  let dir = (resumed && used[used.length - 1]) || null // null: choose among all headings
  let turns = 0
  let backtracks = 0
  let descents = 0
  let descentTries = 0
  let steps = 0
  let placed = 0
  let digs = 0
  const maxSteps = (start.y - targetY) * 2 + 16
  while (bot.entity.position.floored().y > targetY) {
    throwIfAborted(signal)
    if (digs++ > maxSteps) throw new SkillError('failed', `gave up after ${digs} steps at y=${bot.entity.position.floored().y}`)
    const p = path[path.length - 1]
    const back = used.length ? used[used.length - 1].scaled(-1) : null
    const first = dir || preferred
    const headings = [first, ...sides(first), first.scaled(-1)]
      .filter(d => !back || !d.equals(back)) // never back: that would dig out the step just made
    let check = dir && !deadFrom(p, dir) ? checkStep(bot, p, dir, keep) : null
    let ahead = check?.ok ? safeRun(bot, p, dir, LOOKAHEAD, keep) : { run: 0, placed: 0 }
    if (!check?.ok || ahead.run < LOOKAHEAD || ahead.placed > 0) {
      // trouble now or within a few steps, or a floor to build: another heading if that way is clearer
      const alt = choose(p, headings.filter(d => !dir || !d.equals(dir)))
      if (alt.length && (!check?.ok || better(alt[0], ahead))) {
        if (dir) {
          ctx.log(`turning at ${p}: ${check?.ok ? `${ahead.run} safe steps ahead, ${ahead.placed} blocks to place` : check?.reason || 'a dead end ahead'}`)
          turns++
        }
        dir = alt[0].d
        check = alt[0].c
        ahead = alt[0]
      }
    }
    if (!check?.ok) {
      if (dir) markDead(p, dir)
      const blocked = headings.map(d => {
        const c = checkStep(bot, p, d, keep)
        return { d, c: c.ok ? { ok: false, reason: 'leads to a dead end found before' } : c }
      })
      const why = blocked.map(({ d, c }) => `${dirName(d)}: ${c.reason}`).join('; ')
      // 1. at a cave opening: walk down into the cave and start a new staircase from its floor
      const seeds = blocked.filter(b => b.c.cave).map(b => b.c.cave)
      if (seeds.length && descentTries < MAX_DESCENTS) {
        descentTries++
        ctx.progress(`no safe step from ${p} (${why}): looking for a way down into the cave`)
        const down = await descend(ctx, p, seeds, targetY)
        // the search may also have moved the bot without getting it down: back onto the staircase, or
        // a new staircase from where it stands
        const here = down || (bot.entity.position.floored().equals(p) || (await stepTo(ctx, p)) ? null : bot.entity.position.floored())
        if (here) {
          if (down) descents++
          path = [here]
          used = []
          state.last = { path, used }
          keep.add(key(here.minus(UP)))
          dir = null
          ctx.progress(down ? `in the cave at y=${here.y}: the staircase goes on from here` : `off the staircase at ${here}: a new staircase from here`)
          continue
        }
      }
      // 2. a dead end: walk back up a few steps and branch off sideways from there
      let branch = null
      for (let k = path.length - 2; k >= Math.max(0, path.length - 1 - BACKTRACK_STEPS) && !branch; k--) {
        const arrived = k > 0 ? used[k - 1].scaled(-1) : null
        const options = choose(path[k], DIRS.filter(d => !d.equals(used[k]) && !(arrived && d.equals(arrived))))
        if (options.length) branch = { k, o: options[0] }
      }
      if (!branch || backtracks >= MAX_BACKTRACKS) {
        const what = blocked.some(b => b.c.fluid) ? `${blocked.find(b => b.c.fluid).c.fluid} in the way` : (blocked.some(b => b.c.cave) ? 'a cave with no way across or down' : 'no safe step')
        throw new SkillError('failed', `${what}: no safe step from ${p} (${why})${seeds.length ? '; no way down into the cave found' : ''}; stopped at y=${p.y}, ${p.y - targetY} above the target`)
      }
      backtracks++
      ctx.progress(`dead end at y=${p.y} (${why}): going back up to y=${path[branch.k].y} to branch off`)
      if (!(await stepTo(ctx, path[branch.k]))) throw new SkillError('failed', `could not walk back up the staircase to ${path[branch.k]}`)
      for (let j = branch.k; j < used.length; j++) markDead(path[j], used[j]) // the abandoned branch: not again
      for (const q of path.splice(branch.k + 1)) keep.delete(key(q.minus(UP)))
      used.splice(branch.k)
      dir = branch.o.d
      continue
    }
    await clearCut(ctx, check.cut)
    if (check.place.length) {
      ctx.progress(`bridging a gap under the step at ${check.floor} with ${check.place.length} block${check.place.length > 1 ? 's' : ''}`)
      const ok = await buildFloor(ctx, check.place)
      placed += check.place.filter(pl => isSolid(bot.blockAt(pl.pos))).length
      if (!ok) {
        ctx.log(`the floor at ${check.floor} could not be built`)
        markDead(p, dir)
        continue
      }
    }
    const q = p.plus(dir).minus(UP)
    if (!(await stepTo(ctx, q))) throw new SkillError('failed', `could not step down to ${q}`)
    path.push(q)
    used.push(dir)
    keep.add(key(q.minus(UP)))
    if (++steps % 8 === 0) ctx.progress(`staircase at y=${q.y}, target ${targetY}`)
  }
  const end = bot.entity.position.floored()
  ctx.progress(`reached y=${end.y}`)
  return {
    y: end.y,
    steps,
    turns,
    backtracks,
    placed,
    descents,
    resumed,
    start: [start.x, start.y, start.z],
    end: [end.x, end.y, end.z]
  }
}

module.exports = {
  verb: 'dig_down',
  target: 'y',
  description: target => `dig a safe staircase down to height y=${target}, steering around lava and water, so that it can be walked back up`,
  args: {},
  validTarget: (target) => /^-?\d+$/.test(target) && Number(target) >= -64 && Number(target) <= 320,
  deadlineMs: 600000, // a staircase from the surface to diamond level digs hundreds of blocks
  run: (ctx, target) => digDown(ctx, target)
}
