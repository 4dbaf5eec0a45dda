'use strict'
// World spawn: the grass (or sand) column nearest the origin, on a spiral, that stands on solid ground with
// two air blocks above and has, close by, what a fresh survival start needs: water, a tree and bare stone.
// Deterministic per seed; the first suitable spot wins. If no spot within maxRadius has all three, the
// spot with the most of them is used, and failing everything the origin's surface.
const { getWorld } = require('./world')
const { SEA_LEVEL, TREE_CELL } = require('./terrain')

const WANT = { water: 48, tree: 24, stone: 32 } // search radii (blocks) for the nearby features
const STEP = 4 // candidate spacing on the spiral

function findSpawn ({ seed, registry, maxRadius = 400 } = {}) {
  const world = getWorld({ seed, registry })
  if (!world.spawn) world.spawn = searchSpawn(world, maxRadius)
  return { ...world.spawn }
}

function searchSpawn (world, maxRadius) {
  const t = world.terrain
  const heights = new Map()
  const H = (x, z) => {
    const k = x * 65536 + z
    let h = heights.get(k)
    if (h === undefined) {
      h = t.height(x, z)
      heights.set(k, h)
    }
    return h
  }
  const trees = new Map()
  const treeIn = (cx, cz) => {
    const k = cx * 65536 + cz
    if (!trees.has(k)) trees.set(k, t.treeAt(cx, cz))
    return trees.get(k)
  }
  const chunks = new Map()
  const chunkData = (cx, cz) => {
    const k = cx + ',' + cz
    if (!chunks.has(k)) chunks.set(k, world.chunkData(cx, cz))
    return chunks.get(k)
  }

  // Distance to the nearest water column within r (coarse 3-block grid), or Infinity.
  function waterDist (x, z, r) {
    let best = Infinity
    for (let dz = -r; dz <= r; dz += 3) {
      for (let dx = -r; dx <= r; dx += 3) {
        const d = Math.sqrt(dx * dx + dz * dz)
        if (d < best && d <= r && H(x + dx, z + dz) < SEA_LEVEL) best = d
      }
    }
    return best
  }
  function treeDist (x, z, r) {
    let best = Infinity
    for (let cz = Math.floor((z - r) / TREE_CELL); cz <= Math.floor((z + r) / TREE_CELL); cz++) {
      for (let cx = Math.floor((x - r) / TREE_CELL); cx <= Math.floor((x + r) / TREE_CELL); cx++) {
        const tree = treeIn(cx, cz)
        if (!tree) continue
        const d = Math.hypot(tree.x - x, tree.z - z)
        if (d < best && d <= r) best = d
      }
    }
    return best
  }
  // Bare stone at the surface (a stony knoll or a steep bank), on a 2-block grid.
  function stoneDist (x, z, r) {
    let best = Infinity
    for (let dz = -r; dz <= r; dz += 2) {
      for (let dx = -r; dx <= r; dx += 2) {
        const d = Math.sqrt(dx * dx + dz * dz)
        if (d >= best || d > r) continue
        const px = x + dx
        const pz = z + dz
        const h = H(px, pz)
        const slope = Math.max(Math.abs(h - H(px + 1, pz)), Math.abs(h - H(px - 1, pz)),
          Math.abs(h - H(px, pz + 1)), Math.abs(h - H(px, pz - 1)))
        if (t.isRockySurface(px, pz, h, slope)) best = d
      }
    }
    return best
  }

  const states = world.states
  const notSolid = new Set([0, states.water, states.lava, states.sugarCane, ...states.plants, ...states.leafDistance.keys()])
  // The real blocks at the candidate: solid ground, two air blocks above, no lava or water in the 3x3
  // around the feet.
  function standable (x, z, h) {
    const cx = Math.floor(x / 16)
    const cz = Math.floor(z / 16)
    const { blocks } = chunkData(cx, cz)
    const at = (y) => blocks[((y + 64) << 8) | ((z - cz * 16) << 4) | (x - cx * 16)]
    if (notSolid.has(at(h))) return false
    if (at(h + 1) !== 0 || at(h + 2) !== 0) return false
    return true
  }

  let fallback = null
  const consider = (x, z) => {
    const h = H(x, z)
    if (h < SEA_LEVEL + 1 || h > 110) return null
    if (Math.abs(h - H(x + 1, z)) > 1 || Math.abs(h - H(x - 1, z)) > 1 ||
        Math.abs(h - H(x, z + 1)) > 1 || Math.abs(h - H(x, z - 1)) > 1) return null
    if (t.mouthAllowed(x, z)) return null
    const near = {
      water: waterDist(x, z, WANT.water),
      tree: treeDist(x, z, WANT.tree),
      stone: stoneDist(x, z, WANT.stone)
    }
    const score = Number(near.water < Infinity) + Number(near.tree < Infinity) + Number(near.stone < Infinity)
    if (score < 3 && fallback && fallback.score >= score) return null
    if (!standable(x, z, h)) return null
    const spot = { x: x + 0.5, y: h + 1, z: z + 0.5, score, near: roundNear(near) }
    if (score === 3) return spot
    if (!fallback || score > fallback.score) fallback = spot
    return null
  }

  for (let ring = 0; ring * STEP <= maxRadius; ring++) {
    for (const [x, z] of ringPoints(ring)) {
      const spot = consider(x * STEP, z * STEP)
      if (spot) return spot
    }
  }
  if (fallback) return fallback
  // Nothing standable at all in range: the origin's top block, whatever it is.
  const h = H(0, 0)
  return { x: 0.5, y: Math.max(h, SEA_LEVEL) + 1, z: 0.5, score: 0, near: {} }
}

function roundNear (near) {
  const out = {}
  for (const k of Object.keys(near)) out[k] = near[k] === Infinity ? null : Math.round(near[k] * 10) / 10
  return out
}

// Grid points on the square ring at Chebyshev distance `ring` from the origin.
function ringPoints (ring) {
  if (ring === 0) return [[0, 0]]
  const pts = []
  for (let i = -ring; i < ring; i++) pts.push([i, -ring])
  for (let i = -ring; i < ring; i++) pts.push([ring, i])
  for (let i = ring; i > -ring; i--) pts.push([i, ring])
  for (let i = ring; i > -ring; i--) pts.push([-ring, i])
  return pts
}

module.exports = { findSpawn, WANT }
