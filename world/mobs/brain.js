'use strict'
// What a passive mob wants to do, decided once per tick and cheaply: stand around, now and then stroll
// to a reachable spot a few blocks away (vanilla RandomStrollGoal), and run around faster for a while
// after being hurt (PanicGoal). Walks are planned on the loaded terrain: solid floor, room for the body,
// at most one block up per column, at most three blocks down, never into water, lava or fire.

const STROLL_MIN_IDLE = 60 // ticks standing between strolls (vanilla: a 1/120 chance per tick)
const STROLL_MAX_IDLE = 240
const STROLL_MIN_DIST = 3
const STROLL_MAX_DIST = 10
const PANIC_TICKS = 100 // how long a hurt mob keeps running
const PANIC_MIN_DIST = 3
const PANIC_MAX_DIST = 7
const HOME_RADIUS = 32 // beyond this from its herd's spawn point a mob strolls back toward it
const GIVE_UP_TICKS = 200 // a walk that has not arrived by then is abandoned
const PLAN_STEP = 0.5

function newBrain (rng) {
  return {
    target: null, // { x, z } the body walks to
    speed: 0,
    arrived: false,
    blocked: false,
    targetTick: 0,
    idle: rng.int(10, STROLL_MAX_IDLE),
    panic: 0,
    knock: null,
    vy: 0
  }
}

/**
 * The furthest point along a straight line from the mob, at most `dist` blocks in direction `angle`,
 * that it can walk to; null if it cannot take a single column step.
 */
function planWalk (mob, terrain, angle, dist) {
  const start = mob.position
  const dx = Math.cos(angle)
  const dz = Math.sin(angle)
  let bx = Math.floor(start.x)
  let bz = Math.floor(start.z)
  let y = start.y
  let best = null
  for (let d = PLAN_STEP; d <= dist + 1e-9; d += PLAN_STEP) {
    const px = start.x + dx * d
    const pz = start.z + dz * d
    const cx = Math.floor(px)
    const cz = Math.floor(pz)
    if (cx !== bx || cz !== bz) {
      // crossing a corner diagonally: one of the two side columns must be walkable too
      if (cx !== bx && cz !== bz &&
        terrain.standHeight(mob.world, cx, bz, y, mob.bodyCells) === null &&
        terrain.standHeight(mob.world, bx, cz, y, mob.bodyCells) === null) break
      const ny = terrain.standHeight(mob.world, cx, cz, y, mob.bodyCells)
      if (ny === null) break
      y = ny
      bx = cx
      bz = cz
      best = { x: px, z: pz }
    } else {
      best = { x: px, z: pz } // still in a column already checked
    }
  }
  return best
}

function strollAngle (mob, rng) {
  const home = mob.home
  if (home) {
    const hx = home.x - mob.position.x
    const hz = home.z - mob.position.z
    if (hx * hx + hz * hz > HOME_RADIUS * HOME_RADIUS) {
      return Math.atan2(hz, hx) + (rng.next() - 0.5) * Math.PI / 1.5 // back toward home, ±60°
    }
  }
  return rng.next() * Math.PI * 2
}

function startWalk (mob, terrain, rng, tick, angle, minDist, maxDist, speed) {
  const target = planWalk(mob, terrain, angle, minDist + rng.next() * (maxDist - minDist))
  if (!target) return false
  const ai = mob.ai
  ai.target = target
  ai.speed = speed
  ai.arrived = false
  ai.blocked = false
  ai.targetTick = tick
  return true
}

/** One tick of decisions for `mob`. */
function think (mob, terrain, rng, tick) {
  const ai = mob.ai
  if (ai.panic > 0) ai.panic--
  if (ai.knock) return // sliding after a hit: decide when it has landed

  if (ai.target) {
    if (!ai.blocked && tick - ai.targetTick < GIVE_UP_TICKS) return
    ai.target = null
    ai.idle = ai.panic > 0 ? 0 : rng.int(20, 60)
  }
  if (ai.arrived || ai.blocked) {
    ai.arrived = false
    ai.blocked = false
    if (ai.panic <= 0) ai.idle = rng.int(STROLL_MIN_IDLE, STROLL_MAX_IDLE)
  }

  if (ai.panic > 0) {
    // vanilla panic runs to random nearby spots, not directly away from the attacker
    for (let i = 0; i < 3; i++) {
      if (startWalk(mob, terrain, rng, tick, rng.next() * Math.PI * 2, PANIC_MIN_DIST, PANIC_MAX_DIST, mob.mobKind.panicWalkSpeed)) return
    }
    return
  }
  if (ai.idle > 0) {
    ai.idle--
    return
  }
  if (!startWalk(mob, terrain, rng, tick, strollAngle(mob, rng), STROLL_MIN_DIST, STROLL_MAX_DIST, mob.mobKind.walkSpeed)) {
    ai.idle = rng.int(10, 40) // boxed in: look again a bit later
  }
}

/** Called when the mob is hurt: start panicking and drop the current stroll. */
function onHurt (mob) {
  mob.ai.panic = PANIC_TICKS
  mob.ai.target = null
  mob.ai.idle = 0
}

module.exports = { newBrain, think, onHurt, planWalk, PANIC_TICKS }
