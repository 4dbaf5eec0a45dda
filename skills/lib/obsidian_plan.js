'use strict'
// Planning how to make obsidian near the bot, cheapest plan first.
//
// Water that touches a lava SOURCE from above or from a side turns it into obsidian (world/plugins/buckets.js:
// lava checks up and its four sides); lava above the water turns the water into stone instead. Fluids never
// flow here, so a lava lake only changes where the skill changes it, and digging next to lava releases nothing.
//
// A plan: the lava source `lava`; the cell `spot` (a side or the top of the lava) where the water goes; a
// solid block `against` whose face `normal` (pointing into `spot`) the full bucket's ray hits, so that the
// server puts the water into `spot`; the cell `stand` the bot pours from; the cells to dig first (`spot`
// when it is solid, blocks in the ray's way) and the block to place (`place`, when nothing solid borders the
// spot: a block on the shore beside it). The bot always stands on solid ground, with no lava within a block
// of its body and no open drop into lava beside it.
const { castBucketRay, isLevel0, solid, keyOf, SIDES, FACES, NO_OUTLINE, REACH, EYE } = require('./buckets')
const { Vec3 } = require('vec3')

const MAX_DIG_MS = 6000 // blocks slower than this to dig (obsidian, bedrock...) are never dug by the skill
const STAND_RADIUS = 4 // stand cells looked at around a spot (the eyes must be within REACH of the face)
const PAIRS_TO_PLAN = 30 // (lava, spot) pairs, best first, that get a full search for a stand
const STANDS_TO_TRY = 48 // stand cells, nearest first, whose rays are traced for one pair
const DIG_COST = 1.5
const PLACE_COST = 1
const DROP_IN_LAVA_COST = 6 // lava under the obsidian: its drop would fall into the lake when it is mined

const UP = new Vec3(0, 1, 0)
const DOWN = new Vec3(0, -1, 0)

/** A memo of bot.blockAt for one planning pass (the world does not change while it plans). */
function blockCache (bot) {
  const memo = new Map()
  return p => {
    const k = keyOf(p)
    if (!memo.has(k)) memo.set(k, bot.blockAt(p))
    return memo.get(k)
  }
}

const isLava = b => b?.name === 'lava'
const isFluidName = b => Boolean(b && (b.name === 'water' || b.name === 'lava' || b.name === 'bubble_column'))
const passable = b => Boolean(b && b.boundingBox === 'empty' && !isFluidName(b))

/** Milliseconds the bot needs to dig `block` with the best item it holds (Infinity when it cannot). */
function bestDigMs (bot, block, memo) {
  if (memo.has(block.type)) return memo.get(block.type)
  let best = Infinity
  if (block.diggable !== false && block.hardness !== null && block.hardness >= 0) {
    for (const item of [null, ...bot.inventory.items()]) {
      try {
        const ms = block.digTime(item ? item.type : null, false, false, false, [], bot.entity?.effects || {})
        if (ms < best) best = ms
      } catch {}
    }
  }
  memo.set(block.type, best)
  return best
}

/** A full block the ray stops at and water does not go into (no slabs, stairs or other waterloggables). */
function pourFace (b) {
  return solid(b) && typeof b.getProperties?.().waterlogged !== 'boolean'
}

/** Aim points on the face `normal` of the block at `pos`: its centre, then points towards its edges. */
function faceAims (pos, normal, offsets = [0.3, -0.3]) {
  const c = pos.offset(0.5, 0.5, 0.5).plus(normal.scaled(0.5))
  const axes = [new Vec3(1, 0, 0), new Vec3(0, 1, 0), new Vec3(0, 0, 1)].filter(a => a.dot(normal) === 0)
  const out = [c]
  for (const a of axes) for (const s of offsets) out.push(c.plus(a.scaled(s)))
  return out
}

function makePlanner (bot, scaffold) {
  const at = blockCache(bot)
  const digMemo = new Map()
  const diggable = p => {
    const b = at(p)
    return Boolean(b && solid(b) && bestDigMs(bot, b, digMemo) <= MAX_DIG_MS)
  }
  const digMs = p => bestDigMs(bot, at(p), digMemo)

  /**
   * Standing at `stand` with the cells in `open` dug (and `place` filled) is safe: solid ground, no lava in
   * the 3x3 columns around the body (one below to two above the feet), and no open drop into lava beside it.
   */
  function safeStand (stand, open, place) {
    const isOpen = p => open.has(keyOf(p)) || (passable(at(p)) && !(place && p.equals(place)))
    for (let dx = -1; dx <= 1; dx++) {
      for (let dz = -1; dz <= 1; dz++) {
        for (let dy = -1; dy <= 2; dy++) if (isLava(at(stand.offset(dx, dy, dz)))) return false
        if (dx === 0 && dz === 0) continue
        for (let dy = 0; dy >= -5; dy--) {
          const p = stand.offset(dx, dy, dz)
          if (isLava(at(p))) return false
          if (!isOpen(p)) break
        }
      }
    }
    return true
  }

  /** Lava sources turned into obsidian by water at `spot`, and how many of them have no solid floor. */
  function outcome (spot) {
    let made = 0
    let overLava = 0
    for (const n of [DOWN, ...SIDES]) {
      const b = at(spot.plus(n))
      if (isLava(b) && isLevel0(b)) {
        made++
        if (!solid(at(spot.plus(n).offset(0, -1, 0)))) overLava++
      }
    }
    return { made, overLava }
  }

  /** Rough cost of getting from `from` (feet) to `to`: distance, blocks to tunnel through, lava in the way. */
  function travel (from, to) {
    if (from.equals(to)) return 0
    const d = from.distanceTo(to)
    const seen = new Set()
    let solids = 0
    let hazards = 0
    const steps = Math.ceil(d * 2)
    for (let i = 1; i <= steps; i++) {
      const p = from.plus(to.minus(from).scaled(i / steps))
      for (const h of [0, 1]) {
        const c = p.offset(0.5, h + 0.5, 0.5).floored()
        const k = keyOf(c)
        if (seen.has(k)) continue
        seen.add(k)
        const b = at(c)
        if (isLava(b)) hazards++
        else if (solid(b)) solids++
      }
    }
    return d + 0.6 * solids + 8 * hazards + 0.5 * Math.abs(to.y - from.y)
  }

  /** (lava, spot) pairs around the bot: spot beside or on top of a lava source, water can go there. */
  function pairs (sources, feet) {
    const out = []
    for (const lava of sources) {
      for (const dir of [UP, ...SIDES]) {
        const spot = lava.plus(dir)
        const b = at(spot)
        if (!b || isFluidName(b)) continue
        const open = NO_OUTLINE.has(b.name)
        if (!open && !diggable(spot)) continue
        if (isLava(at(spot.offset(0, 1, 0)))) continue // lava above the water would turn it into stone
        const { made, overLava } = outcome(spot)
        if (made === 0) continue
        const lavaBelow = !solid(at(lava.offset(0, -1, 0)))
        const rough = feet.distanceTo(spot) + (open ? 0 : DIG_COST) + (lavaBelow ? DROP_IN_LAVA_COST : 0) + overLava
        out.push({ lava, spot, dig: !open, lavaBelow, made, rough })
      }
    }
    return out.sort((a, b) => a.rough - b.rough)
  }

  /**
   * The cells to dig so that the full bucket's ray from `eye` to `aim` hits `against` on face `normal`
   * (null when it cannot): blocks in the way that can be dug, never the floor under the bot, the spot's lava
   * or the block poured against. The empty bucket must also come back to the water at `spot` along the same
   * kind of ray, without meeting another fluid source first.
   */
  function rayDigs (stand, eye, aim, pair, against, normal, place, baseOpen) {
    const digs = []
    const keep = new Set([keyOf(stand.offset(0, -1, 0)), keyOf(against), keyOf(pair.lava)])
    for (let i = 0; i < 3; i++) {
      const virtual = new Map()
      for (const k of baseOpen) virtual.set(k, 'air')
      for (const p of digs) virtual.set(keyOf(p), 'air')
      if (place) virtual.set(keyOf(place), 'solid')
      const dir = aim.minus(eye).normalize()
      const hit = castBucketRay(bot, eye, dir, false, virtual, at)
      if (!hit) return null
      if (hit.pos.equals(against)) {
        if (!hit.face || !hit.face.equals(normal)) return null
        // the way back: the empty bucket stops at the first source (or solid block) along its ray
        virtual.set(keyOf(pair.spot), 'water')
        const back = pair.spot.offset(0.5, 0.5, 0.5)
        const ret = castBucketRay(bot, eye, back.minus(eye).normalize(), true, virtual, at)
        return { digs, waterBack: Boolean(ret && ret.pos.equals(pair.spot)) }
      }
      const k = keyOf(hit.pos)
      if (keep.has(k) || !hit.block || isFluidName(hit.block) || !diggable(hit.pos)) return null
      if (eye.distanceTo(hit.pos.offset(0.5, 0.5, 0.5)) > REACH) return null
      digs.push(hit.pos)
    }
    return null
  }

  /** Blocks around `spot` whose face into it the water can be poured against (placing one if need be). */
  function faces (pair) {
    const out = []
    for (const n of FACES) {
      const pos = pair.spot.plus(n)
      if (pos.equals(pair.lava)) continue
      const b = at(pos)
      if (pourFace(b)) out.push({ against: pos, normal: n.scaled(-1), place: null })
      else if (scaffold && n.y === 0 && b && NO_OUTLINE.has(b.name) && solid(at(pos.offset(0, -1, 0)))) {
        out.push({ against: pos, normal: n.scaled(-1), place: pos })
      }
    }
    return out
  }

  /** The cheapest full plan for one (lava, spot) pair from a bot at `feet`, or null. */
  function planPair (pair, feet, failedStands) {
    const spotTravel = travel(feet, pair.spot)
    const options = faces(pair)
    if (options.length === 0) return null
    const stands = []
    for (let dx = -STAND_RADIUS; dx <= STAND_RADIUS; dx++) {
      for (let dz = -STAND_RADIUS; dz <= STAND_RADIUS; dz++) {
        for (let dy = -3; dy <= 2; dy++) {
          const stand = pair.spot.offset(dx, dy, dz)
          if (failedStands.has(keyOf(stand))) continue
          const eye = stand.offset(0.5, EYE, 0.5)
          if (eye.distanceTo(pair.spot.offset(0.5, 0.5, 0.5)) > REACH + 0.5) continue
          const here = stand.equals(feet)
          const body = [stand, stand.offset(0, 1, 0)]
          if (body.some(p => p.equals(pair.spot) || p.equals(pair.lava))) continue
          const ground = at(stand.offset(0, -1, 0))
          if (!solid(ground) || stand.offset(0, -1, 0).equals(pair.spot)) continue
          let bodyDigs = 0
          let ok = true
          for (const p of body) {
            const b = at(p)
            if (passable(b)) continue
            if (here || !diggable(p)) { ok = false; break }
            bodyDigs++
          }
          if (!ok) continue
          const base = (here ? 0 : spotTravel + feet.distanceTo(stand) - feet.distanceTo(pair.spot)) + 0.5 * bodyDigs
          stands.push({ stand, eye, base, here })
        }
      }
    }
    stands.sort((a, b) => a.base - b.base)
    let best = null
    for (const s of stands.slice(0, STANDS_TO_TRY)) {
      if (best && s.base >= best.cost) break
      const baseOpen = [keyOf(s.stand), keyOf(s.stand.offset(0, 1, 0))]
      if (pair.dig) baseOpen.push(keyOf(pair.spot))
      for (const opt of options) {
        if (opt.place && (opt.place.equals(s.stand) || opt.place.equals(s.stand.offset(0, 1, 0)))) continue
        for (const aim of faceAims(opt.against, opt.normal)) {
          if (s.eye.distanceTo(aim) > REACH - 0.15) continue
          const ray = rayDigs(s.stand, s.eye, aim, pair, opt.against, opt.normal, opt.place, baseOpen)
          if (!ray) continue
          const open = new Set([...baseOpen, ...ray.digs.map(keyOf)])
          if (!safeStand(s.stand, open, opt.place)) continue
          const digs = [...ray.digs, ...(pair.dig ? [pair.spot] : [])]
          if (digs.some(p => s.eye.distanceTo(p.offset(0.5, 0.5, 0.5)) > REACH)) continue
          if (opt.place && s.eye.distanceTo(opt.place.offset(0.5, 0, 0.5)) > REACH - 0.2) continue
          const digTime = digs.reduce((t, p) => t + digMs(p), 0) / 1000
          const cost = s.base + digs.length * DIG_COST + digTime + (opt.place ? PLACE_COST : 0) +
            (pair.lavaBelow ? DROP_IN_LAVA_COST : 0) + (ray.waterBack ? 0 : 3)
          if (!best || cost < best.cost) {
            best = { ...pair, ...opt, stand: s.stand, aim, digs, cost, waterBack: ray.waterBack }
          }
          break
        }
      }
    }
    return best
  }

  return { pairs, planPair, travel, at }
}

/** Plans to make obsidian near the bot, cheapest first. */
function obsidianPlans (bot, sources, scaffold, failed) {
  const planner = makePlanner(bot, scaffold)
  const feet = bot.entity.position.floored()
  const pairs = planner.pairs(sources, feet)
    .filter(p => !failed.pairs.has(`${keyOf(p.lava)}>${keyOf(p.spot)}`))
    .slice(0, PAIRS_TO_PLAN * 3)
  for (const p of pairs) p.rough += planner.travel(feet, p.spot) - feet.distanceTo(p.spot)
  pairs.sort((a, b) => a.rough - b.rough)
  const plans = []
  for (const pair of pairs.slice(0, PAIRS_TO_PLAN)) {
    const plan = planner.planPair(pair, feet, failed.stands)
    if (plan) plans.push(plan)
  }
  return { plans: plans.sort((a, b) => a.cost - b.cost), pairs: pairs.length }
}

module.exports = { obsidianPlans, faceAims, isLava, UP, DOWN }
