'use strict'
// Where herds appear. Placement only draws from the seeded generator it is given, in a fixed order, so
// the same world seed puts the same herds in the same places. Herds stand on grass blocks open to the
// sky (never on leaves, in water or under a roof), like vanilla's animal spawning.

const { Vec3 } = require('vec3')

const HERD_MIN = 2
const HERD_MAX = 4
const MEMBER_SPREAD = 3 // blocks around the herd centre
const SPOT_TRIES = 24

/** The herd kinds placed when the world starts, in order; cows come first and twice (leather for books). */
const INITIAL_HERDS = ['cow', 'sheep', 'pig', 'cow', 'chicken', 'sheep', 'pig']

/**
 * A spot on grass at feet height y, or null. `ensureColumn(cx, cz)` is awaited first (it generates the
 * column at world start); it returns false when the column may not be used (not loaded, later on).
 */
async function grassSpot (world, terrain, grassStates, x, z, cells, ensureColumn) {
  if (!(await ensureColumn(x >> 4, z >> 4))) return null
  const y = terrain.surface(world, x, z)
  if (y === null) return null
  const below = terrain.stateId(world, x, y - 1, z)
  if (!grassStates.has(below)) return null
  if (terrain.bodyFits(world, x, y, z, cells) !== true) return null
  return new Vec3(x + 0.5, y, z + 0.5)
}

/**
 * Place one herd of `kind` between minR and maxR blocks (horizontally) from `center`.
 * @returns {Promise<{kind, home: Vec3, members: {position: Vec3, yaw: number}[]} | null>}
 */
async function placeHerd ({ world, terrain, grassStates, rng, kind, center, minR, maxR, maxSize, ensureColumn, avoid = () => false }) {
  const cells = Math.ceil(kind.height)
  for (let attempt = 0; attempt < SPOT_TRIES; attempt++) {
    const angle = rng.next() * Math.PI * 2
    const r = minR + rng.next() * (maxR - minR)
    const x = Math.floor(center.x + Math.cos(angle) * r)
    const z = Math.floor(center.z + Math.sin(angle) * r)
    const home = await grassSpot(world, terrain, grassStates, x, z, cells, ensureColumn)
    if (!home || avoid(home)) continue
    const size = Math.min(maxSize, rng.int(HERD_MIN, HERD_MAX))
    const members = [{ position: home, yaw: rng.next() * 360 }]
    for (let i = 1; i < size; i++) {
      for (let t = 0; t < 4; t++) {
        const mx = x + rng.int(-MEMBER_SPREAD, MEMBER_SPREAD)
        const mz = z + rng.int(-MEMBER_SPREAD, MEMBER_SPREAD)
        const spot = await grassSpot(world, terrain, grassStates, mx, mz, cells, ensureColumn)
        if (spot && !members.some(m => m.position.distanceTo(spot) < 0.5)) {
          members.push({ position: spot, yaw: rng.next() * 360 })
          break
        }
      }
    }
    return { kind: kind.name, home: home.clone(), members }
  }
  return null
}

module.exports = { placeHerd, INITIAL_HERDS, HERD_MAX }
