'use strict'
// Seeded integer hashing and smooth gradient noise for the world generator.
// Everything here is a pure function of (seed, coordinates): no hidden state, no Math.random, so a chunk
// comes out the same whatever order the chunks are generated in.

// Final avalanche step of a 32-bit hash: every input bit flips about half of the output bits.
function mix32 (h) {
  h ^= h >>> 16
  h = Math.imul(h, 0x7feb352d)
  h ^= h >>> 15
  h = Math.imul(h, 0x846ca68b)
  h ^= h >>> 16
  return h >>> 0
}

// World seeds may be any integer (flying-squid draws up to 2^31, vanilla uses 64-bit longs) or a string.
function seedToInt (seed) {
  if (typeof seed === 'string') {
    let h = 0x811c9dc5
    for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193)
    return mix32(h)
  }
  const n = Number(seed)
  if (!Number.isFinite(n)) return 0
  const lo = n >>> 0
  const hi = Math.floor(n / 4294967296) | 0
  return mix32(lo ^ mix32(hi + 0x632be5ab))
}

// Hash of integer coordinates and a salt, salted by the seed; returns an unsigned 32-bit integer.
function hash3 (s, x, y, z) {
  let h = s ^ Math.imul(x | 0, 0x27d4eb2d)
  h = mix32(h ^ Math.imul(y | 0, 0x165667b1))
  h = mix32(h ^ Math.imul(z | 0, 0x9e3779b1))
  return h
}

// The same, as a float in [0, 1).
function rand3 (s, x, y, z) {
  return hash3(s, x, y, z) / 4294967296
}

// A derived seed for one independent noise field or feature.
function subSeed (seed, salt) {
  return mix32(seed ^ mix32(salt * 0x2545f491 + 0x68e31da4))
}

// Quintic fade: zero first and second derivatives at lattice points, so no visible creases.
function fade (t) {
  return t * t * t * (t * (t * 6 - 15) + 10)
}

// 16 unit gradients evenly spread around the circle for 2D noise.
const GRAD2 = []
for (let i = 0; i < 16; i++) GRAD2.push([Math.cos(i * Math.PI / 8), Math.sin(i * Math.PI / 8)])

// Gradients toward the 12 edges of a cube (plus 4 repeats to make a power of two) for 3D noise.
const GRAD3 = [
  [1, 1, 0], [-1, 1, 0], [1, -1, 0], [-1, -1, 0],
  [1, 0, 1], [-1, 0, 1], [1, 0, -1], [-1, 0, -1],
  [0, 1, 1], [0, -1, 1], [0, 1, -1], [0, -1, -1],
  [1, 1, 0], [-1, 1, 0], [0, -1, 1], [0, -1, -1]
]

// 2D gradient noise, roughly in [-0.7, 0.7], smooth, zero at lattice points.
function makeNoise2 (seed) {
  const s = seed >>> 0
  function corner (ix, iz, dx, dz) {
    const g = GRAD2[hash3(s, ix, 0, iz) & 15]
    return g[0] * dx + g[1] * dz
  }
  return function noise2 (x, z) {
    const ix = Math.floor(x)
    const iz = Math.floor(z)
    const fx = x - ix
    const fz = z - iz
    const u = fade(fx)
    const v = fade(fz)
    const a = corner(ix, iz, fx, fz)
    const b = corner(ix + 1, iz, fx - 1, fz)
    const c = corner(ix, iz + 1, fx, fz - 1)
    const d = corner(ix + 1, iz + 1, fx - 1, fz - 1)
    const ab = a + (b - a) * u
    const cd = c + (d - c) * u
    return ab + (cd - ab) * v
  }
}

// 3D gradient noise, roughly in [-1, 1].
function makeNoise3 (seed) {
  const s = seed >>> 0
  function corner (ix, iy, iz, dx, dy, dz) {
    const g = GRAD3[hash3(s, ix, iy, iz) & 15]
    return g[0] * dx + g[1] * dy + g[2] * dz
  }
  return function noise3 (x, y, z) {
    const ix = Math.floor(x)
    const iy = Math.floor(y)
    const iz = Math.floor(z)
    const fx = x - ix
    const fy = y - iy
    const fz = z - iz
    const u = fade(fx)
    const v = fade(fy)
    const w = fade(fz)
    const c000 = corner(ix, iy, iz, fx, fy, fz)
    const c100 = corner(ix + 1, iy, iz, fx - 1, fy, fz)
    const c010 = corner(ix, iy + 1, iz, fx, fy - 1, fz)
    const c110 = corner(ix + 1, iy + 1, iz, fx - 1, fy - 1, fz)
    const c001 = corner(ix, iy, iz + 1, fx, fy, fz - 1)
    const c101 = corner(ix + 1, iy, iz + 1, fx - 1, fy, fz - 1)
    const c011 = corner(ix, iy + 1, iz + 1, fx, fy - 1, fz - 1)
    const c111 = corner(ix + 1, iy + 1, iz + 1, fx - 1, fy - 1, fz - 1)
    const x00 = c000 + (c100 - c000) * u
    const x10 = c010 + (c110 - c010) * u
    const x01 = c001 + (c101 - c001) * u
    const x11 = c011 + (c111 - c011) * u
    const y0 = x00 + (x10 - x00) * v
    const y1 = x01 + (x11 - x01) * v
    return y0 + (y1 - y0) * w
  }
}

// Fractal sum of octaves of 2D noise, normalised so the result stays roughly in [-0.7, 0.7].
function makeFbm2 (seed, octaves) {
  const layers = []
  for (let i = 0; i < octaves; i++) layers.push(makeNoise2(subSeed(seed, 101 + i)))
  let norm = 0
  for (let i = 0; i < octaves; i++) norm += 1 / (1 << i)
  return function fbm2 (x, z) {
    let sum = 0
    let freq = 1
    let amp = 1
    for (let i = 0; i < octaves; i++) {
      // Offsetting each octave hides the shared zero at the origin lattice point.
      sum += amp * layers[i](x * freq + i * 17.31, z * freq - i * 11.77)
      freq *= 2
      amp *= 0.5
    }
    return sum / norm
  }
}

// A small deterministic generator for one feature instance (a vein, a ravine), seeded by a hash.
function featureRandom (h) {
  let state = h >>> 0
  function next () {
    state = (state + 0x6d2b79f5) >>> 0
    return mix32(state) / 4294967296
  }
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1))
  }
}

module.exports = { mix32, seedToInt, hash3, rand3, subSeed, makeNoise2, makeNoise3, makeFbm2, featureRandom, fade }
