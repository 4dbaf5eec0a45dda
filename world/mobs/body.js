'use strict'
// Server-side movement of a passive mob for one tick: walk toward the brain's target, slide after a
// knockback, step up one block, fall with vanilla gravity, never into walls, fluids or unloaded columns.
// The mob's centre column is what is checked (a cheap approximation of its 0.9-wide box).

const { SOLID } = require('./terrain')

const GRAVITY = 0.08 // blocks/tick² (vanilla LivingEntity)
const AIR_DRAG = 0.98
const GROUND_FRICTION = 0.546 // block friction 0.6 × 0.91: how fast a knockback slide dies out
const IDLE_GROUND_CHECK_TICKS = 10 // a standing mob re-checks its floor this often (a block dug below it)

/**
 * Advance `mob` one tick. `mob.ai.target` ({x, z}) and `mob.ai.speed` come from the brain;
 * `mob.ai.knock` ({x, z}) from a hit. Returns true if the position changed.
 */
function step (mob, terrain, tick) {
  const ai = mob.ai
  const world = mob.world
  const pos = mob.position
  let moved = false

  let vx = 0
  let vz = 0
  if (ai.knock) {
    vx = ai.knock.x
    vz = ai.knock.z
    ai.knock.x *= GROUND_FRICTION
    ai.knock.z *= GROUND_FRICTION
    if (Math.abs(ai.knock.x) + Math.abs(ai.knock.z) < 0.005) ai.knock = null
  } else if (ai.target) {
    const dx = ai.target.x - pos.x
    const dz = ai.target.z - pos.z
    const dist = Math.sqrt(dx * dx + dz * dz)
    if (dist <= ai.speed) {
      vx = dx
      vz = dz
      ai.target = null
      ai.arrived = true
    } else {
      vx = dx / dist * ai.speed
      vz = dz / dist * ai.speed
    }
    if (dist > 1e-3) mob.yawDegrees = -Math.atan2(dx, dz) * 180 / Math.PI // vanilla yaw: 0 = +z, 90 = -x
  }

  if (vx !== 0 || vz !== 0) {
    if (tryMoveHorizontally(mob, terrain, pos.x + vx, pos.z + vz)) {
      moved = true
    } else if (ai.knock) {
      ai.knock = null // hit a wall: the slide stops
    } else {
      ai.blocked = true // the brain gives up this target
    }
  }

  if (moved || !mob.onGround || ai.vy !== 0 || (tick + mob.id) % IDLE_GROUND_CHECK_TICKS === 0) {
    if (applyVertical(mob, terrain)) moved = true
  }
  return moved
}

/** Move to (nx, nz) if the body fits there at the current height or one block up (a step). */
function tryMoveHorizontally (mob, terrain, nx, nz) {
  const pos = mob.position
  const cx = Math.floor(nx)
  const cz = Math.floor(nz)
  const bx = Math.floor(pos.x)
  const bz = Math.floor(pos.z)
  if (cx !== bx || cz !== bz) {
    const cells = mob.bodyCells
    const feet = Math.floor(pos.y + 1e-6)
    const fits = terrain.bodyFits(mob.world, cx, feet, cz, cells)
    if (fits === null) return false // unloaded: wait at the edge
    if (!fits) {
      const canStep = mob.onGround &&
        terrain.cell(mob.world, cx, feet, cz) === SOLID &&
        terrain.bodyFits(mob.world, cx, feet + 1, cz, cells) === true &&
        terrain.bodyFits(mob.world, bx, feet + cells, bz, 1) === true // room to jump
      if (!canStep) return false
      pos.y = feet + 1
      mob.ai.vy = 0
    }
  }
  pos.x = nx
  pos.z = nz
  return true
}

/** Gravity onto the floor below, or up out of a block placed into the mob. Returns true if y changed. */
function applyVertical (mob, terrain) {
  const pos = mob.position
  const ai = mob.ai
  const floorY = terrain.floorBelow(mob.world, Math.floor(pos.x), pos.y, Math.floor(pos.z))
  if (floorY === null) return false // unloaded column: hold still
  if (pos.y > floorY + 1e-4 || ai.vy > 0) {
    ai.vy = (ai.vy - GRAVITY) * AIR_DRAG
    pos.y += ai.vy
    if (pos.y <= floorY) {
      pos.y = floorY
      ai.vy = 0
      mob.onGround = true
    } else {
      mob.onGround = false
    }
    return true
  }
  mob.onGround = true
  if (pos.y < floorY - 1e-4) {
    pos.y = floorY
    ai.vy = 0
    return true
  }
  return false
}

module.exports = { step, GRAVITY }
