'use strict'
// The shape of the world as pure functions of world coordinates: surface height, water, rock, forests,
// tree positions, cave fields, ravines. The chunk builder (build.js) turns these into blocks. Because every
// answer depends only on (seed, x, y, z), a chunk can draw the parts of a neighbour's tree or ravine that
// reach into it and get exactly what the neighbour would have drawn.
const { hash3, rand3, subSeed, makeNoise2, makeNoise3, makeFbm2, featureRandom } = require('./noise')

const SEA_LEVEL = 62 // highest water block; water fills y <= 62 over low ground (vanilla sea level 63)
const MIN_Y = -64
const MAX_Y = 319
const LAVA_LEVEL = -55 // cave air at or below this fills with lava, as vanilla's y=-54 aquifer level
const CAVE_FLOOR = -58 // caves stop above the bedrock floor
const TREE_CELL = 5 // at most one tree per 5x5 cell, placed at a hashed offset inside it
const RAVINE_REGION = 96 // at most one ravine starts in each 96x96 region

function clamp (v, lo, hi) { return v < lo ? lo : v > hi ? hi : v }
function smoothstep (a, b, v) {
  const t = clamp((v - a) / (b - a), 0, 1)
  return t * t * (3 - 2 * t)
}

function createTerrain (seedInt) {
  const continent = makeFbm2(subSeed(seedInt, 1), 2)
  const hills = makeFbm2(subSeed(seedInt, 2), 3)
  const detail = makeNoise2(subSeed(seedInt, 3))
  const river = makeFbm2(subSeed(seedInt, 4), 2)
  const rock = makeFbm2(subSeed(seedInt, 5), 2)
  const forest = makeFbm2(subSeed(seedInt, 6), 2)
  const birch = makeNoise2(subSeed(seedInt, 7))
  const gravelN = makeNoise2(subSeed(seedInt, 8))
  const mouthN = makeNoise2(subSeed(seedInt, 9))
  const caneN = makeNoise2(subSeed(seedInt, 10))
  const cheeseA = makeNoise3(subSeed(seedInt, 11))
  const cheeseB = makeNoise3(subSeed(seedInt, 12))
  const spagA = makeNoise3(subSeed(seedInt, 13))
  const spagB = makeNoise3(subSeed(seedInt, 14))
  const spagWidth = makeNoise3(subSeed(seedInt, 15))
  const treeSeed = subSeed(seedInt, 20)
  const ravineSeed = subSeed(seedInt, 21)
  const blockSeed = subSeed(seedInt, 22)

  // Rivers: the zero line of a low-frequency noise, bent by a second noise so it meanders.
  function riverValue (x, z) {
    const wx = x + 40 * detail(x / 150 + 9.1, z / 150)
    return Math.abs(river(wx / 300, z / 300))
  }

  function rockValue (x, z) {
    return rock(x / 44, z / 44)
  }

  // Height of the top solid block of column (x, z). Rolling hills around 62..80, lakes where the ground
  // dips under sea level, river channels, and stony knolls that rise above the hills.
  // The fbm fields have a standard deviation near 0.15; dividing by it makes the weights read in blocks.
  function height (x, z) {
    const c = continent(x / 340, z / 340) / 0.16
    const hl = hills(x / 80, z / 80) / 0.14
    let h = 68 + c * 3 + hl * (4 + 2 * clamp(c, 0, 2)) + detail(x / 19, z / 19) * 2
    const r = riverValue(x, z)
    if (r < 0.028) {
      const t = smoothstep(0.008, 0.028, r)
      h = Math.min(h, 57.5 + (h - 57.5) * t)
    }
    const rk = rockValue(x, z)
    if (rk > 0.18 && h > 63) h += (rk - 0.18) * 60 * smoothstep(63, 69, h)
    return Math.floor(clamp(h, 40, 140))
  }

  function riverAt (x, z) { return riverValue(x, z) < 0.012 }

  function isRockySurface (x, z, h, slope) {
    return h > 63 && (slope >= 3 || rockValue(x, z) > 0.28)
  }

  function gravelValue (x, z) { return gravelN(x / 12, z / 12) }

  // Cave mouths: only inside these patches may caves cut through the top few blocks of ground.
  function mouthAllowed (x, z) { return mouthN(x / 70, z / 70) > 0.22 }

  function forestDensity (x, z) {
    const f = forest(x / 110, z / 110) / 0.16
    return 0.04 + clamp(0.15 + 0.3 * f, 0, 0.6)
  }

  function isBirchArea (x, z) { return birch(x / 60, z / 60) > 0.12 }

  function caneClump (x, z) { return caneN(x / 9, z / 9) }

  // Cave fields at a point; the builder samples these on a 4-block lattice and interpolates.
  // cheese > threshold: large caverns; spaghetti (a^2 + b^2 small): long winding tunnels.
  function caveFields (x, y, z) {
    const ch = cheeseA(x / 52, y / 30, z / 52) + 0.45 * cheeseB(x / 19, y / 13, z / 19)
    const a = spagA(x / 40, y / 24, z / 40)
    const b = spagB(x / 40, y / 24, z / 40)
    const w = spagWidth(x / 64, y / 64, z / 64)
    return [ch, a, b, w]
  }

  // One tree per cell at most: returns {x, z, type, trunk} or null. Whether the ground suits a tree is
  // decided by treeAt, which needs heights; this part only depends on the hash.
  function treeCandidate (cellX, cellZ) {
    const h = hash3(treeSeed, cellX, 7, cellZ)
    const x = cellX * TREE_CELL + (h & 7) % TREE_CELL
    const z = cellZ * TREE_CELL + ((h >>> 3) & 7) % TREE_CELL
    const roll = rand3(treeSeed, cellX, 11, cellZ)
    if (roll >= forestDensity(x, z)) return null
    const birchy = isBirchArea(x, z)
    const typeRoll = rand3(treeSeed, cellX, 13, cellZ)
    const type = (birchy ? typeRoll < 0.7 : typeRoll < 0.15) ? 'birch' : 'oak'
    const trunk = type === 'birch' ? 5 + ((h >>> 8) % 3) : 4 + ((h >>> 8) % 3)
    return { x, z, type, trunk, shapeHash: hash3(treeSeed, cellX, 17, cellZ) }
  }

  const ravineCache = new Map()
  // The ravine that starts in region (rx, rz), or null: a straight canyon with a lens-shaped profile.
  function ravineIn (rx, rz) {
    const key = rx + ',' + rz
    if (ravineCache.has(key)) return ravineCache.get(key)
    const r = featureRandom(hash3(ravineSeed, rx, 0, rz))
    let rav = null
    if (r.next() < 0.45) {
      const x0 = rx * RAVINE_REGION + r.next() * RAVINE_REGION
      const z0 = rz * RAVINE_REGION + r.next() * RAVINE_REGION
      const ang = r.next() * Math.PI * 2
      const len = 45 + r.next() * 45
      const x1 = x0 + Math.cos(ang) * len
      const z1 = z0 + Math.sin(ang) * len
      const halfWidth = 2.2 + r.next() * 1.8
      const y0 = 10 + r.next() * 45
      const y1 = y0 + (r.next() - 0.5) * 24
      const halfHeight = 16 + r.next() * 14
      const pad = halfWidth + 1
      rav = {
        x0, z0, x1, z1, halfWidth, y0, y1, halfHeight,
        minX: Math.min(x0, x1) - pad,
        maxX: Math.max(x0, x1) + pad,
        minZ: Math.min(z0, z1) - pad,
        maxZ: Math.max(z0, z1) + pad
      }
    }
    if (ravineCache.size > 4096) ravineCache.clear()
    ravineCache.set(key, rav)
    return rav
  }

  // Ravines whose bounding box meets the box [minX..maxX] x [minZ..maxZ].
  function ravinesNear (minX, minZ, maxX, maxZ) {
    const out = []
    const reach = 100
    const rx0 = Math.floor((minX - reach) / RAVINE_REGION)
    const rx1 = Math.floor((maxX + reach) / RAVINE_REGION)
    const rz0 = Math.floor((minZ - reach) / RAVINE_REGION)
    const rz1 = Math.floor((maxZ + reach) / RAVINE_REGION)
    for (let rx = rx0; rx <= rx1; rx++) {
      for (let rz = rz0; rz <= rz1; rz++) {
        const rav = ravineIn(rx, rz)
        if (rav && rav.maxX >= minX && rav.minX <= maxX && rav.maxZ >= minZ && rav.minZ <= maxZ) out.push(rav)
      }
    }
    return out
  }

  // Vertical span [lo, hi] that ravine `rav` carves in column (x, z), or null.
  function ravineSpan (rav, x, z) {
    const cx = x + 0.5
    const cz = z + 0.5
    const dx = rav.x1 - rav.x0
    const dz = rav.z1 - rav.z0
    const t = clamp(((cx - rav.x0) * dx + (cz - rav.z0) * dz) / (dx * dx + dz * dz), 0, 1)
    const px = rav.x0 + dx * t - cx
    const pz = rav.z0 + dz * t - cz
    const d = Math.sqrt(px * px + pz * pz)
    const w = rav.halfWidth * Math.sqrt(Math.sin(Math.PI * t))
    if (d >= w) return null
    const k = Math.sqrt(1 - (d / w) * (d / w))
    const cy = rav.y0 + (rav.y1 - rav.y0) * t
    const hh = rav.halfHeight * (0.35 + 0.65 * Math.sin(Math.PI * t)) * k
    return [Math.ceil(cy - hh * 0.6), Math.floor(cy + hh)]
  }

  // Does a ravine open column (x, z) near its surface height h? (Then no tree stands there.)
  function ravineOpensSurface (x, z, h) {
    for (const rav of ravinesNear(x, z, x, z)) {
      const span = ravineSpan(rav, x, z)
      if (span && span[1] >= h - 5) return true
    }
    return false
  }

  // A tree whose trunk stands in cell (cellX, cellZ), with its base height, or null when the ground there
  // is not grass (water, beach, rock, a cave mouth or a ravine).
  function treeAt (cellX, cellZ) {
    const t = treeCandidate(cellX, cellZ)
    if (!t) return null
    const h = height(t.x, t.z)
    if (h < 64 || h > 120) return null
    const slope = Math.max(
      Math.abs(h - height(t.x + 1, t.z)), Math.abs(h - height(t.x - 1, t.z)),
      Math.abs(h - height(t.x, t.z + 1)), Math.abs(h - height(t.x, t.z - 1)))
    if (slope >= 2 || isRockySurface(t.x, t.z, h, slope)) return null
    if (mouthAllowed(t.x, t.z) || ravineOpensSurface(t.x, t.z, h)) return null
    t.ground = h
    return t
  }

  return {
    seedInt,
    blockSeed,
    height,
    riverAt,
    isRockySurface,
    gravelValue,
    mouthAllowed,
    forestDensity,
    isBirchArea,
    caneClump,
    caveFields,
    treeAt,
    ravinesNear,
    ravineSpan
  }
}

module.exports = { createTerrain, SEA_LEVEL, MIN_Y, MAX_Y, LAVA_LEVEL, CAVE_FLOOR, TREE_CELL, clamp, smoothstep }
