'use strict'
// Ore veins after vanilla 1.21's overworld ore placements: per chunk, `count` veins of about `size`
// blocks, at heights drawn uniformly or from a triangle (vanilla "trapezoid" without a plateau) between
// minY and maxY. Vanilla bands may reach outside the world (diamond's triangle spans -144..16 so it
// peaks at the bottom); draws outside the world place nothing, exactly as in vanilla.
// `discard` is vanilla's discard_chance_on_air_exposure: that share of the vein's blocks that touch
// air is dropped, so buried diamonds stay buried.
// A vein replaces only stone or deepslate, and becomes the deepslate variant where it replaces deepslate.
const { hash3, rand3, subSeed, featureRandom } = require('./noise')

const FEATURES = [
  { ore: 'coal', count: 30, dist: 'uniform', minY: 136, maxY: 319, size: 17, discard: 0 },
  { ore: 'coal', count: 20, dist: 'triangle', minY: 0, maxY: 192, size: 17, discard: 0.5 },
  { ore: 'iron', count: 90, dist: 'triangle', minY: 80, maxY: 384, size: 9, discard: 0 },
  { ore: 'iron', count: 10, dist: 'triangle', minY: -24, maxY: 56, size: 9, discard: 0 },
  { ore: 'iron', count: 10, dist: 'uniform', minY: -64, maxY: 72, size: 4, discard: 0 },
  { ore: 'copper', count: 16, dist: 'triangle', minY: -16, maxY: 112, size: 10, discard: 0 },
  { ore: 'gold', count: 4, dist: 'triangle', minY: -64, maxY: 32, size: 9, discard: 0.5 },
  { ore: 'gold', count: [0, 1], dist: 'uniform', minY: -64, maxY: -48, size: 9, discard: 0.5 },
  { ore: 'redstone', count: 4, dist: 'uniform', minY: -64, maxY: 15, size: 8, discard: 0 },
  { ore: 'redstone', count: 8, dist: 'triangle', minY: -96, maxY: -32, size: 8, discard: 0 },
  { ore: 'lapis', count: 2, dist: 'triangle', minY: -32, maxY: 32, size: 7, discard: 0 },
  { ore: 'lapis', count: 4, dist: 'uniform', minY: -64, maxY: 64, size: 7, discard: 1 },
  { ore: 'diamond', count: 7, dist: 'triangle', minY: -144, maxY: 16, size: 4, discard: 0.5 },
  { ore: 'diamond', count: 2, dist: 'uniform', minY: -64, maxY: -4, size: 8, discard: 0.5 },
  { ore: 'diamond', rarity: 9, dist: 'triangle', minY: -144, maxY: 16, size: 12, discard: 0.7 },
  { ore: 'diamond', count: 4, dist: 'triangle', minY: -144, maxY: 16, size: 8, discard: 1 }
]

const ORES = ['coal', 'copper', 'iron', 'gold', 'redstone', 'lapis', 'diamond']

// The y band each ore may occupy in this world (union of its placements, clipped to the world).
const ORE_BANDS = {}
for (const f of FEATURES) {
  const b = ORE_BANDS[f.ore] || (ORE_BANDS[f.ore] = { minY: Infinity, maxY: -Infinity })
  b.minY = Math.max(-64, Math.min(b.minY, f.minY))
  b.maxY = Math.min(319, Math.max(b.maxY, f.maxY))
}

const VEIN_REACH = 3 // a vein block lies at most this far from its centre on each axis

// Mean number of blocks in a vanilla vein of a given size (estimated from the vanilla vein shape: blobs
// of spheres along a short line). Our veins draw their block count uniformly in [0.5, 1.5] x this mean.
const VEIN_MEAN = { 4: 2, 7: 5, 8: 5.7, 9: 6.8, 10: 8.4, 12: 11.6, 17: 22 }

function veinCount (f, r) {
  if (f.rarity) return r.next() < 1 / f.rarity ? 1 : 0
  if (Array.isArray(f.count)) return r.int(f.count[0], f.count[1])
  return f.count
}

function drawY (f, r) {
  if (f.dist === 'uniform') return r.int(f.minY, f.maxY)
  const half = (f.maxY - f.minY) / 2
  return Math.round(f.minY + half * r.next() + half * r.next())
}

// Offsets (dx, dy, dz) of one vein's blocks: a random walk that buds from already placed blocks, so the
// vein is a connected blob. Same randomness in, same blob out.
function veinShape (r, size) {
  const mean = VEIN_MEAN[size] || size / 2
  const target = Math.max(1, Math.round(mean * (0.5 + r.next())))
  const xs = [0]
  const ys = [0]
  const zs = [0]
  const seen = new Set([0x888])
  const steps = target * 3 // plenty: steps onto blocks already in the vein or past the reach are skipped
  for (let k = 1; k < steps && xs.length < target; k++) {
    const j = Math.floor(r.next() * xs.length)
    const dir = Math.floor(r.next() * 6)
    let x = xs[j]
    let y = ys[j]
    let z = zs[j]
    if (dir === 0) x++; else if (dir === 1) x--; else if (dir === 2) y++
    else if (dir === 3) y--; else if (dir === 4) z++; else z--
    if (Math.abs(x) > VEIN_REACH || Math.abs(y) > VEIN_REACH || Math.abs(z) > VEIN_REACH) continue
    const key = ((x + 8) << 8) | ((y + 8) << 4) | (z + 8)
    if (seen.has(key)) continue
    seen.add(key)
    xs.push(x)
    ys.push(y)
    zs.push(z)
  }
  return { xs, ys, zs }
}

// Places every vein that reaches chunk (cx, cz) into `blocks` (state ids, index (y+64)<<8 | z<<4 | x).
// Veins start in this chunk or one of its 8 neighbours; each vein has its own hash-seeded randomness, so
// the blocks it puts here do not depend on which chunks were generated first.
// `maxSolidY`: highest solid block in the chunk; veins wholly above it are skipped unseen.
function placeOres (seedInt, cx, cz, blocks, states, maxSolidY) {
  const oreSeed = subSeed(seedInt, 40)
  const x0 = cx * 16
  const z0 = cz * 16
  const stone = states.stone
  const deepslate = states.deepslate
  for (let sx = cx - 1; sx <= cx + 1; sx++) {
    for (let sz = cz - 1; sz <= cz + 1; sz++) {
      for (let fi = 0; fi < FEATURES.length; fi++) {
        const f = FEATURES[fi]
        const band = ORE_BANDS[f.ore]
        const ore = states.ores[f.ore]
        const countRandom = featureRandom(hash3(oreSeed, sx, fi * 4096 + 4095, sz))
        const count = veinCount(f, countRandom)
        for (let i = 0; i < count; i++) {
          const veinHash = hash3(oreSeed, sx, fi * 4096 + i, sz)
          const r = featureRandom(veinHash)
          const vx = sx * 16 + r.int(0, 15)
          const vz = sz * 16 + r.int(0, 15)
          const vy = drawY(f, r)
          if (vy < -64 - VEIN_REACH || vy > maxSolidY + VEIN_REACH) continue
          if (vx + VEIN_REACH < x0 || vx - VEIN_REACH > x0 + 15) continue
          if (vz + VEIN_REACH < z0 || vz - VEIN_REACH > z0 + 15) continue
          const shape = veinShape(r, f.size)
          for (let k = 0; k < shape.xs.length; k++) {
            const x = vx + shape.xs[k] - x0
            const y = vy + shape.ys[k]
            const z = vz + shape.zs[k] - z0
            if (x < 0 || x > 15 || z < 0 || z > 15) continue
            if (y < band.minY || y > band.maxY) continue
            const idx = ((y + 64) << 8) | (z << 4) | x
            const old = blocks[idx]
            if (old !== stone && old !== deepslate) continue
            if (f.discard > 0 && touchesAir(blocks, x, y, z, states.water, states.lava) && rand3(veinHash, k, 1, 0) < f.discard) continue
            blocks[idx] = old === deepslate ? ore.deepslate : ore.stone
          }
        }
      }
    }
  }
}

// Air (or a fluid) beside the block, looking only inside this chunk.
function touchesAir (blocks, x, y, z, water, lava) {
  const open = (xx, yy, zz) => {
    if (xx < 0 || xx > 15 || zz < 0 || zz > 15 || yy < -64 || yy > 319) return false
    const s = blocks[((yy + 64) << 8) | (zz << 4) | xx]
    return s === 0 || s === water || s === lava
  }
  return open(x + 1, y, z) || open(x - 1, y, z) || open(x, y + 1, z) || open(x, y - 1, z) ||
    open(x, y, z + 1) || open(x, y, z - 1)
}

module.exports = { FEATURES, ORES, ORE_BANDS, VEIN_MEAN, placeOres, veinShape, touchesAir }
