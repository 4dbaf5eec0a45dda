'use strict'
// The voxel ray caster: a copy of the block grid near the bot (World) and renderFrame(), which casts one ray
// per pixel through the grid (Amanatides-Woo DDA) and shades the first visible surface with the block
// textures prepared by assets.js. Pure JS, no native code; runs inside the render worker.
const {
  MAX_BOXES, MAX_PLANES, PLANE_STRIDE, K_CUBE, K_SHAPE, K_CUTOUT, F_WATER, F_LAVA, F_EMISSIVE,
  TINT_GRASS, TINT_FOLIAGE, TINT_WATER
} = require('./assets')

const { ENTITY_LABEL_BASE } = require('./labels')
const { entityBoxes, partUV } = require('./entities')
const SLOT_BITS = 6 // a 64 x 64 ring of chunk columns (1024 blocks across)
const SLOT_MASK = (1 << SLOT_BITS) - 1

// ---------------------------------------------------------------- world copy
class World {
  constructor () {
    const n = 1 << (2 * SLOT_BITS)
    this.cols = new Array(n).fill(null)
    this.colX = new Int32Array(n)
    this.colZ = new Int32Array(n)
    this.colTop = new Int32Array(n).fill(-100000)
    this.minY = -64
    this.height = 384
    this.topY = -100000 // highest non-air block over all loaded columns
    this.count = 0
  }

  static slot (cx, cz) { return ((cx & SLOT_MASK) << SLOT_BITS) | (cz & SLOT_MASK) }

  get (cx, cz) {
    const s = ((cx & SLOT_MASK) << SLOT_BITS) | (cz & SLOT_MASK)
    const c = this.cols[s]
    return c !== null && this.colX[s] === cx && this.colZ[s] === cz ? c : null
  }

  setColumn (cx, cz, data, minY, height) {
    this.minY = minY
    this.height = height
    const s = World.slot(cx, cz)
    if (this.cols[s] === null) this.count++
    this.cols[s] = data
    this.colX[s] = cx
    this.colZ[s] = cz
    this.colTop[s] = World.columnTop(data, minY)
    this.recomputeTop()
  }

  unload (cx, cz) {
    const s = World.slot(cx, cz)
    if (this.cols[s] !== null && this.colX[s] === cx && this.colZ[s] === cz) {
      this.cols[s] = null
      this.colTop[s] = -100000
      this.count--
      this.recomputeTop()
    }
  }

  clear () {
    this.cols.fill(null)
    this.colTop.fill(-100000)
    this.count = 0
    this.topY = -100000
  }

  setBlock (x, y, z, state) {
    const col = this.get(x >> 4, z >> 4)
    if (!col || y < this.minY || y >= this.minY + this.height) return
    col[((y - this.minY) << 8) | ((z & 15) << 4) | (x & 15)] = state
    const s = World.slot(x >> 4, z >> 4)
    if (state !== 0 && y > this.colTop[s]) { this.colTop[s] = y; if (y > this.topY) this.topY = y }
  }

  /** Highest non-air y in a loaded column, or -100000. */
  topOf (cx, cz) {
    const s = ((cx & SLOT_MASK) << SLOT_BITS) | (cz & SLOT_MASK)
    return this.cols[s] !== null && this.colX[s] === cx && this.colZ[s] === cz ? this.colTop[s] : -100000
  }

  getState (x, y, z) {
    const col = this.get(x >> 4, z >> 4)
    if (!col || y < this.minY || y >= this.minY + this.height) return 0
    return col[((y - this.minY) << 8) | ((z & 15) << 4) | (x & 15)]
  }

  static columnTop (data, minY) {
    for (let i = data.length - 1; i >= 0; i--) if (data[i] !== 0) return (i >> 8) + minY
    return -100000
  }

  recomputeTop () {
    let top = -100000
    for (let s = 0; s < this.colTop.length; s++) if (this.colTop[s] > top) top = this.colTop[s]
    this.topY = top
  }
}

/** Decode a column message (see index.js serializeColumn) into a dense Uint16Array of state ids. */
function decodeColumn (msg) {
  const n = msg.sections.length
  const out = new Uint16Array(n * 4096)
  for (let si = 0; si < n; si++) {
    const sec = msg.sections[si]
    const base = si * 4096
    if (!sec) continue
    if (sec.t === 0) { if (sec.v) out.fill(sec.v, base, base + 4096); continue }
    if (sec.t === 3) { out.set(sec.a, base); continue }
    const bits = sec.b; const data = sec.d; const pal = sec.t === 1 ? sec.p : null
    const perLong = Math.floor(64 / bits); const mask = (1 << bits) - 1
    for (let i = 0; i < 4096; i++) {
      const li = (i / perLong) | 0
      const off = (i - li * perLong) * bits
      let v
      if (off >= 32) v = (data[li * 2 + 1] >>> (off - 32)) & mask
      else {
        v = data[li * 2] >>> off
        if (off + bits > 32) v |= data[li * 2 + 1] << (32 - off)
        v &= mask
      }
      out[base + i] = pal ? (pal[v] || 0) : v
    }
  }
  return out
}

// ---------------------------------------------------------------- sky and light
function mix3 (a, b, t) { return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t] }
function skyState (timeOfDay) {
  // Minecraft: celestial angle ~ time/24000 - 0.25; brightness = clamp(cos(angle * 2pi) * 2 + 0.5, 0, 1)
  const t = ((timeOfDay ?? 6000) % 24000 + 24000) % 24000
  const angle = t / 24000 - 0.25
  const day = Math.min(1, Math.max(0, Math.cos(angle * 2 * Math.PI) * 2 + 0.5))
  const zenith = mix3([6, 8, 16], [120, 167, 255], day)
  let horizon = mix3([18, 22, 36], [192, 216, 255], day)
  // a warm horizon around sunrise and sunset
  const dusk = Math.max(0, 1 - Math.abs(day - 0.5) * 2.2) * (Math.abs(Math.cos(angle * 2 * Math.PI)) < 0.5 ? 1 : 0)
  horizon = mix3(horizon, [230, 150, 100], dusk * 0.3)
  const light = 0.3 + 0.7 * day // terrain brightness (moonlight keeps the world readable at night)
  // the sun rises in the east (+x) at time 0, stands overhead at 6000 and sets in the west at 12000
  const theta = t / 24000 * 2 * Math.PI
  return { zenith, horizon, light, sun: [Math.cos(theta), Math.sin(theta)] }
}

const FACE_SHADE = new Float32Array([0.5, 1.0, 0.8, 0.8, 0.6, 0.6]) // down, up, north, south, west, east

// ---------------------------------------------------------------- the renderer
// The ray functions are created once per (world, tables) pair and reused for every frame.
function createFrameRenderer (world, T) {
  const stateType = T.stateType; const stateLabel = T.stateLabel; const kind = T.kind; const flags = T.flags
  const nBoxes = T.nBoxes; const boxBounds = T.boxBounds; const boxTex = T.boxTex; const boxAff = T.boxAff
  const nPlanes = T.nPlanes; const planeData = T.planeData
  const texData = T.texData; const texAvg = T.texAvg; const texTint = T.texTint
  const waterTex = T.waterTex; const lavaTex = T.lavaTex; const waterLabel = T.waterLabel; const lavaLabel = T.lavaLabel
  const tintR = new Float32Array(4); const tintG = new Float32Array(4); const tintB = new Float32Array(4)
  // per-frame state shared with the ray functions below (defined once, so their call sites stay monomorphic)
  let ox = 0; let oy = 0; let oz = 0; let pixelAngle = 0; let light = 1
  let minY = -64; let maxY = 320; let topY = 0; let columnSkip = true
  let camInWater = false; let camInLava = false

  // ---- per-ray results (closure scratch)
  let hitR = 0; let hitG = 0; let hitB = 0; let hitT = 0; let hitLabel = 0
  let texR = 0; let texG = 0; let texB = 0; let texA = 0

  // sample texture `tex` at texel coords (u, v) into texR/G/B/A (tinted; blended with the average colour
  // when a texel is smaller than a pixel, a cheap mip-map)
  function sample (tex, u, v, t) {
    let ui = u | 0; let vi = v | 0
    if (u < 0) ui = 0; else if (ui > 15) ui = 15
    if (v < 0) vi = 0; else if (vi > 15) vi = 15
    const ti = (tex << 10) | (vi << 6) | (ui << 2)
    texA = texData[ti + 3]
    let r = texData[ti]; let g = texData[ti + 1]; let b = texData[ti + 2]
    const k = t * pixelAngle * 16 - 0.8
    if (k > 0) {
      const w = k > 2 ? 1 : k * 0.5
      const ai = tex * 3
      r += (texAvg[ai] - r) * w; g += (texAvg[ai + 1] - g) * w; b += (texAvg[ai + 2] - b) * w
    }
    const tc = texTint[tex]
    if (tc !== 0) { r *= tintR[tc]; g *= tintG[tc]; b *= tintB[tc] }
    texR = r; texG = g; texB = b
  }

  // box face sample for type ty, box bi, world face f, at cell-local point (lx, ly, lz)
  function sampleBox (ty, bi, f, lx, ly, lz, t) {
    const fi = (ty * MAX_BOXES + bi) * 6 + f
    const tex = boxTex[fi]
    if (tex < 0) { texA = 0; return }
    const a = fi * 8
    const u = boxAff[a] * lx + boxAff[a + 1] * ly + boxAff[a + 2] * lz + boxAff[a + 3]
    const v = boxAff[a + 4] * lx + boxAff[a + 5] * ly + boxAff[a + 6] * lz + boxAff[a + 7]
    sample(tex, u, v, t)
  }

  // Try the shapes (boxes, planes) of type ty in cell (ix,iy,iz) for t in [t0, t1]; on a hit sets hit*, returns true
  function shapeHit (ty, ix, iy, iz, dx, dy, dz, t0, t1, label, emissive) {
    let bestT = Infinity; let bestR = 0; let bestG = 0; let bestB = 0
    const lox = ox - ix; const loy = oy - iy; const loz = oz - iz
    const nb = nBoxes[ty]
    for (let bi = 0; bi < nb; bi++) {
      const bb = (ty * MAX_BOXES + bi) * 6
      // slab test
      let tn = -Infinity; let tf = Infinity; let face = -1
      for (let ax = 0; ax < 3; ax++) {
        const o = ax === 0 ? lox : ax === 1 ? loy : loz
        const d = ax === 0 ? dx : ax === 1 ? dy : dz
        const mn = boxBounds[bb + ax]; const mx = boxBounds[bb + 3 + ax]
        if (d === 0) { if (o < mn || o > mx) { tn = Infinity; break } continue }
        let ta = (mn - o) / d; let tb = (mx - o) / d
        let fa = ax === 0 ? 4 : ax === 1 ? 0 : 2 // face hit when entering through min side
        if (ta > tb) { const tmp = ta; ta = tb; tb = tmp; fa += 1 }
        if (ta > tn) { tn = ta; face = fa }
        if (tb < tf) tf = tb
      }
      if (tn > tf || tn < t0 - 1e-6 || tn > t1 + 1e-6 || tn >= bestT || face < 0 || tn < 0) continue
      const lx = lox + dx * tn; const ly = loy + dy * tn; const lz = loz + dz * tn
      sampleBox(ty, bi, face, lx, ly, lz, tn)
      if (texA < 128) continue
      const sh = emissive ? 1 : FACE_SHADE[face] * light
      bestT = tn; bestR = texR * sh; bestG = texG * sh; bestB = texB * sh
    }
    const np = nPlanes[ty]
    for (let pi = 0; pi < np; pi++) {
      const p = (ty * MAX_PLANES + pi) * PLANE_STRIDE
      const nx = planeData[p + 3]; const ny = planeData[p + 4]; const nz = planeData[p + 5]
      const den = dx * nx + dy * ny + dz * nz
      if (den > -1e-9 && den < 1e-9) continue
      const px = planeData[p] - lox; const py = planeData[p + 1] - loy; const pz = planeData[p + 2] - loz
      const tp = (px * nx + py * ny + pz * nz) / den
      if (tp < t0 || tp > t1 || tp >= bestT || tp < 0) continue
      const hx = dx * tp - px; const hy = dy * tp - py; const hz = dz * tp - pz
      const a = hx * planeData[p + 6] + hy * planeData[p + 7] + hz * planeData[p + 8]
      const b = hx * planeData[p + 9] + hy * planeData[p + 10] + hz * planeData[p + 11]
      if (a < 0 || a > 1 || b < 0 || b > 1) continue
      const u = planeData[p + 12] * a + planeData[p + 13] * b + planeData[p + 14]
      const v = planeData[p + 15] * a + planeData[p + 16] * b + planeData[p + 17]
      sample(planeData[p + 18], u, v, tp)
      if (texA < 128) continue
      // planes: lit like a side face, a little brighter when facing up
      const sh = emissive ? 1 : (0.85 + 0.15 * Math.abs(ny)) * light
      bestT = tp; bestR = texR * sh; bestG = texG * sh; bestB = texB * sh
    }
    if (bestT === Infinity) return false
    hitR = bestR; hitG = bestG; hitB = bestB; hitT = bestT; hitLabel = label
    return true
  }

  // fluid surface: box [0,1] x [0,h] x [0,1]; returns the entry t (or -1) and sets the face in fluidFace
  let fluidFace = -1
  function fluidEntry (ix, iy, iz, dx, dy, dz, t0, t1, h, entryFace) {
    const ly0 = oy + dy * t0 - iy
    if (ly0 <= h + 1e-6) { fluidFace = entryFace < 0 ? 1 : entryFace; return t0 } // entered below the surface
    if (dy >= 0) return -1
    const ts = (iy + h - oy) / dy
    if (ts > t1 + 1e-9) return -1
    fluidFace = 1
    return ts
  }
  function fluidSample (tex, face, ix, iy, iz, dx, dy, dz, t) {
    const lx = ox + dx * t - ix; const ly = oy + dy * t - iy; const lz = oz + dz * t - iz
    let u, v
    if (face <= 1) { u = lx * 16; v = lz * 16 } else if (face <= 3) { u = lx * 16; v = (1 - ly) * 16 } else { u = lz * 16; v = (1 - ly) * 16 }
    sample(tex, u, v, t)
  }

  function trace (dx, dy, dz, limit) {
    let ix = Math.floor(ox); let iy = Math.floor(oy); let iz = Math.floor(oz)
    const stepX = dx > 0 ? 1 : -1; const stepY = dy > 0 ? 1 : -1; const stepZ = dz > 0 ? 1 : -1
    const tdx = dx !== 0 ? Math.abs(1 / dx) : Infinity
    const tdy = dy !== 0 ? Math.abs(1 / dy) : Infinity
    const tdz = dz !== 0 ? Math.abs(1 / dz) : Infinity
    let tmx = dx > 0 ? (ix + 1 - ox) * tdx : dx < 0 ? (ox - ix) * tdx : Infinity
    let tmy = dy > 0 ? (iy + 1 - oy) * tdy : dy < 0 ? (oy - iy) * tdy : Infinity
    let tmz = dz > 0 ? (iz + 1 - oz) * tdz : dz < 0 ? (oz - iz) * tdz : Infinity
    let t = 0; let face = -1
    let ccx = ix >> 4; let ccz = iz >> 4
    let col = world.get(ccx, ccz)
    let ctop = world.topOf(ccx, ccz)
    // water bookkeeping
    let inWater = camInWater; let wEnter = 0; let depth = 0
    let surfT = -1; let surfR = 0; let surfG = 0; let surfB = 0
    let label0 = 0 // label of the first visible surface (water)
    let hit = false
    while (t <= limit) {
      if (col !== null && iy >= minY && iy < maxY) {
        const state = col[((iy - minY) << 8) | ((iz & 15) << 4) | (ix & 15)]
        if (state !== 0) {
          const ty = stateType[state]
          const fl = flags[ty]
          const tExit = tmx < tmy ? (tmx < tmz ? tmx : tmz) : (tmy < tmz ? tmy : tmz)
          if (fl !== 0) {
            if ((fl & F_WATER) !== 0) {
              if (!inWater) {
                const above = iy + 1 < maxY ? col[((iy + 1 - minY) << 8) | ((iz & 15) << 4) | (ix & 15)] : 0
                const h = (flags[stateType[above]] & F_WATER) !== 0 ? 1 : 0.875
                const te = fluidEntry(ix, iy, iz, dx, dy, dz, t, tExit, h, face)
                if (te >= 0) {
                  inWater = true; wEnter = te
                  if (surfT < 0) {
                    fluidSample(waterTex, fluidFace, ix, iy, iz, dx, dy, dz, te)
                    const sh = FACE_SHADE[fluidFace] * light
                    surfT = te; surfR = texR * sh; surfG = texG * sh; surfB = texB * sh
                    label0 = waterLabel
                  }
                }
              }
            } else if (inWater) { inWater = false; depth += t - wEnter }
            if ((fl & F_LAVA) !== 0) {
              const above = iy + 1 < maxY ? col[((iy + 1 - minY) << 8) | ((iz & 15) << 4) | (ix & 15)] : 0
              const h = (flags[stateType[above]] & F_LAVA) !== 0 ? 1 : 0.875
              const te = camInLava ? t : fluidEntry(ix, iy, iz, dx, dy, dz, t, tExit, h, face)
              if (te >= 0) {
                fluidSample(lavaTex, camInLava ? 1 : fluidFace, ix, iy, iz, dx, dy, dz, te)
                hitR = texR; hitG = texG; hitB = texB; hitT = te; hitLabel = lavaLabel
                hit = true; break
              }
            }
          } else if (inWater) { inWater = false; depth += t - wEnter }
          const k = kind[ty]
          if (k === K_CUBE) {
            if (face >= 0) {
              const lx = ox + dx * t - ix; const ly = oy + dy * t - iy; const lz = oz + dz * t - iz
              sampleBox(ty, 0, face, lx, ly, lz, t)
              const sh = (fl & F_EMISSIVE) !== 0 ? 1 : FACE_SHADE[face] * light
              hitR = texR * sh; hitG = texG * sh; hitB = texB * sh; hitT = t; hitLabel = stateLabel[state]
              hit = true; break
            }
          } else if (k === K_CUTOUT) {
            if (face >= 0) {
              const lx = ox + dx * t - ix; const ly = oy + dy * t - iy; const lz = oz + dz * t - iz
              sampleBox(ty, 0, face, lx, ly, lz, t)
              if (texA >= 128) {
                const sh = (fl & F_EMISSIVE) !== 0 ? 1 : FACE_SHADE[face] * light
                hitR = texR * sh; hitG = texG * sh; hitB = texB * sh; hitT = t; hitLabel = stateLabel[state]
                hit = true; break
              }
            }
          } else if (k === K_SHAPE) {
            if (shapeHit(ty, ix, iy, iz, dx, dy, dz, t, tExit, stateLabel[state], (fl & F_EMISSIVE) !== 0)) { hit = true; break }
          }
        } else if (inWater) { inWater = false; depth += t - wEnter }
      } else if ((iy >= maxY && dy >= 0) || (iy < minY && dy <= 0)) break
      if (iy > topY && dy >= 0) break
      if (iy > ctop && columnSkip) {
        // above everything in this column: jump to where the ray leaves it or comes down to its top
        const bx0 = ccx << 4; const bz0 = ccz << 4
        const txe = dx > 0 ? (bx0 + 16 - ox) / dx : dx < 0 ? (bx0 - ox) / dx : Infinity
        const tze = dz > 0 ? (bz0 + 16 - oz) / dz : dz < 0 ? (bz0 - oz) / dz : Infinity
        let tj = txe < tze ? txe : tze
        let jf = txe < tze ? 0 : 2
        if (dy < 0) { const tyy = (ctop + 1 - oy) / dy; if (tyy < tj) { tj = tyy; jf = 1 } }
        if (tj - t > 1.5) {
          if (tj > limit) break
          t = tj
          if (jf === 0) {
            ix = stepX > 0 ? bx0 + 16 : bx0 - 1; iy = Math.floor(oy + dy * tj); iz = Math.floor(oz + dz * tj); face = stepX > 0 ? 4 : 5
          } else if (jf === 2) {
            iz = stepZ > 0 ? bz0 + 16 : bz0 - 1; iy = Math.floor(oy + dy * tj); ix = Math.floor(ox + dx * tj); face = stepZ > 0 ? 2 : 3
          } else {
            iy = ctop; ix = Math.floor(ox + dx * tj); iz = Math.floor(oz + dz * tj); face = 1
          }
          tmx = dx > 0 ? (ix + 1 - ox) / dx : dx < 0 ? (ix - ox) / dx : Infinity
          tmy = dy > 0 ? (iy + 1 - oy) / dy : dy < 0 ? (iy - oy) / dy : Infinity
          tmz = dz > 0 ? (iz + 1 - oz) / dz : dz < 0 ? (iz - oz) / dz : Infinity
          if ((ix >> 4) !== ccx || (iz >> 4) !== ccz) { ccx = ix >> 4; ccz = iz >> 4; col = world.get(ccx, ccz); ctop = world.topOf(ccx, ccz) }
          continue
        }
      }
      // step to the next cell
      if (tmx < tmy) {
        if (tmx < tmz) {
          ix += stepX; t = tmx; tmx += tdx; face = stepX > 0 ? 4 : 5
          if ((ix >> 4) !== ccx) { ccx = ix >> 4; col = world.get(ccx, ccz); ctop = world.topOf(ccx, ccz) }
        } else {
          iz += stepZ; t = tmz; tmz += tdz; face = stepZ > 0 ? 2 : 3
          if ((iz >> 4) !== ccz) { ccz = iz >> 4; col = world.get(ccx, ccz); ctop = world.topOf(ccx, ccz) }
        }
      } else if (tmy < tmz) {
        iy += stepY; t = tmy; tmy += tdy; face = stepY > 0 ? 0 : 1
      } else {
        iz += stepZ; t = tmz; tmz += tdz; face = stepZ > 0 ? 2 : 3
        if ((iz >> 4) !== ccz) { ccz = iz >> 4; col = world.get(ccx, ccz); ctop = world.topOf(ccx, ccz) }
      }
    }
    if (!hit) { hitT = Infinity; hitLabel = 0 }
    if (inWater) depth += Math.min(hit ? hitT : limit, limit) - wEnter
    // results: colour of the hit (or -1 when nothing), water on top
    waterDepth = depth; waterSurfT = surfT; waterR = surfR; waterG = surfG; waterB = surfB; firstLabel = label0
    return hit
  }
  let waterDepth = 0; let waterSurfT = -1; let waterR = 0; let waterG = 0; let waterB = 0; let firstLabel = 0

  // entity test for the ray: nearest part hit within limit; sets ent* and returns t (Infinity when none)
  let entR = 0; let entG = 0; let entB = 0; let entLabel = 0
  function entityHit (list, dx, dy, dz, limit) {
    let best = limit
    let bp = null; let bFace = -1; let bx = 0; let by = 0; let bz = 0
    for (let q = 0; q < list.length; q++) {
      const eb = list[q]
      // the entity's world bounds first
      let tn0 = 0; let tf0 = best
      if (dx !== 0) { let a = (eb.minX - ox) / dx; let b = (eb.maxX - ox) / dx; if (a > b) { const m = a; a = b; b = m } if (a > tn0) tn0 = a; if (b < tf0) tf0 = b } else if (ox < eb.minX || ox > eb.maxX) continue
      if (dy !== 0) { let a = (eb.minY - oy) / dy; let b = (eb.maxY - oy) / dy; if (a > b) { const m = a; a = b; b = m } if (a > tn0) tn0 = a; if (b < tf0) tf0 = b } else if (oy < eb.minY || oy > eb.maxY) continue
      if (dz !== 0) { let a = (eb.minZ - oz) / dz; let b = (eb.maxZ - oz) / dz; if (a > b) { const m = a; a = b; b = m } if (a > tn0) tn0 = a; if (b < tf0) tf0 = b } else if (oz < eb.minZ || oz > eb.maxZ) continue
      if (tn0 > tf0) continue
      const eparts = eb.parts
      for (let pi = 0; pi < eparts.length; pi++) {
        const p = eparts[pi]
        // ray into the part's frame (rotation by -yaw)
        const wx = ox - p.x; const wy = oy - p.y; const wz = oz - p.z
        const lox = wx * p.c - wz * p.s; const loy = wy; const loz = wx * p.s + wz * p.c
        const ldx = dx * p.c - dz * p.s; const ldy = dy; const ldz = dx * p.s + dz * p.c
        let tn = -Infinity; let tf = Infinity; let face = -1
        if (ldx !== 0) { let a = (-p.hx - lox) / ldx; let b = (p.hx - lox) / ldx; let fa = 0; if (a > b) { const m = a; a = b; b = m; fa = 1 } if (a > tn) { tn = a; face = fa } if (b < tf) tf = b } else if (lox < -p.hx || lox > p.hx) continue
        if (ldy !== 0) { let a = (-p.hy - loy) / ldy; let b = (p.hy - loy) / ldy; let fa = 2; if (a > b) { const m = a; a = b; b = m; fa = 3 } if (a > tn) { tn = a; face = fa } if (b < tf) tf = b } else if (loy < -p.hy || loy > p.hy) continue
        if (ldz !== 0) { let a = (-p.hz - loz) / ldz; let b = (p.hz - loz) / ldz; let fa = 4; if (a > b) { const m = a; a = b; b = m; fa = 5 } if (a > tn) { tn = a; face = fa } if (b < tf) tf = b } else if (loz < -p.hz || loz > p.hz) continue
        if (tn > tf || tn < 0.05 || tn >= best) continue
        best = tn; bp = p; bFace = face
        bx = lox + ldx * tn; by = loy + ldy * tn; bz = loz + ldz * tn
      }
    }
    if (bp === null) return Infinity
    let r = bp.r; let g = bp.g; let b = bp.b
    if (bp.tex !== null) {
      const uv = partUV(bp.src, bFace, (bx + bp.hx) / (2 * bp.hx), (by + bp.hy) / (2 * bp.hy), (bz + bp.hz) / (2 * bp.hz))
      const tx = bp.tex; const ti = ((uv[1] | 0) * tx.w + (uv[0] | 0)) * 4
      if (tx.data[ti + 3] >= 128) { r = tx.data[ti]; g = tx.data[ti + 1]; b = tx.data[ti + 2] }
    }
    // shade like blocks: top 1, bottom 0.5, sides 0.8 / 0.6 by the side's world orientation
    let sh
    if (bFace === 3) sh = 1
    else if (bFace === 2) sh = 0.5
    else {
      const nxw = bFace <= 1 ? bp.c : bp.s // |world x component| of the face normal
      sh = Math.abs(nxw) > 0.7 ? 0.6 : 0.8
    }
    sh *= light
    entR = r * sh; entG = g * sh; entB = b * sh; entLabel = bp.label
    return best
  }

  return function render (params, out) {
    const W = params.width; const H = params.height
    const rowStart = params.rowStart ?? 0; const rowEnd = params.rowEnd ?? H
    ox = params.eye[0]; oy = params.eye[1]; oz = params.eye[2]
    const yaw = params.yaw; const pitch = params.pitch
    const maxDist = params.viewDistance
    const rgb = out.rgb; const lab = out.labels
    const wantLabels = !!lab

    // camera basis (mineflayer: yaw 0 looks at -Z, yaw grows counter-clockwise seen from above; pitch > 0 looks up)
    const cp = Math.cos(pitch)
    const fx = -Math.sin(yaw) * cp; const fy = Math.sin(pitch); const fz = -Math.cos(yaw) * cp
    const rx = Math.cos(yaw); const rz = -Math.sin(yaw) // right = forward x (0, 1, 0), horizontal
    const upx = -rz * fy; const upy = rz * fx - rx * fz; const upz = rx * fy // up = right x forward
    const tanY = Math.tan((params.fovDeg ?? 70) * Math.PI / 360)
    const tanX = tanY * W / H
    pixelAngle = 2 * tanY / H

    const sky = skyState(params.timeOfDay)
    light = sky.light
    const zen = sky.zenith; const hor = sky.horizon
    const sunX = sky.sun[0]; const sunY = sky.sun[1]
    const fogStart = maxDist * 0.72; const fogSpan = maxDist * 0.28

    // tint table by class (0..3) -> rgb multipliers
    tintR.fill(1); tintG.fill(1); tintB.fill(1)
    const tg = params.tints?.grass || [0x91, 0xbd, 0x59]; const tf = params.tints?.foliage || [0x77, 0xab, 0x2f]; const tw = [0x3f, 0x76, 0xe4]
    tintR[TINT_GRASS] = tg[0] / 255; tintG[TINT_GRASS] = tg[1] / 255; tintB[TINT_GRASS] = tg[2] / 255
    tintR[TINT_FOLIAGE] = tf[0] / 255; tintG[TINT_FOLIAGE] = tf[1] / 255; tintB[TINT_FOLIAGE] = tf[2] / 255
    tintR[TINT_WATER] = tw[0] / 255; tintG[TINT_WATER] = tw[1] / 255; tintB[TINT_WATER] = tw[2] / 255

    minY = world.minY; maxY = world.minY + world.height
    topY = world.topY
    columnSkip = params.columnSkip !== false // jumping over columns the ray passes above (a pure speed-up)

    // ---- entities: world boxes binned into screen tiles
    const ents = entityBoxes(params.entities || [], T.entityTextures)
    const TILE = 16
    const tilesX = Math.ceil(W / TILE); const tilesY = Math.ceil(H / TILE)
    const tileLists = new Array(tilesX * tilesY).fill(null)
    const NEAR = 0.05
    const cz = new Float64Array(8); const cxs = new Float64Array(8); const cys = new Float64Array(8)
    for (const eb of ents) {
      const d = Math.hypot((eb.minX + eb.maxX) / 2 - ox, (eb.minY + eb.maxY) / 2 - oy, (eb.minZ + eb.maxZ) / 2 - oz)
      if (d > maxDist + 2) continue
      // screen rectangle of the entity's bounds clipped to the near plane: the front corners and the points
      // where the box edges cross the near plane
      let x0 = Infinity; let y0 = Infinity; let x1 = -Infinity; let y1 = -Infinity; let front = 0
      for (let k = 0; k < 8; k++) {
        const px = (k & 1 ? eb.maxX : eb.minX) - ox; const py = (k & 2 ? eb.maxY : eb.minY) - oy; const pz = (k & 4 ? eb.maxZ : eb.minZ) - oz
        cz[k] = px * fx + py * fy + pz * fz
        cxs[k] = px * rx + pz * rz
        cys[k] = px * upx + py * upy + pz * upz
        if (cz[k] >= NEAR) front++
      }
      if (front === 0) continue
      const add = (xc, yc, zc) => {
        const sx = (xc / zc / tanX + 1) * W / 2; const sy = (1 - yc / zc / tanY) * H / 2
        if (sx < x0) x0 = sx; if (sx > x1) x1 = sx; if (sy < y0) y0 = sy; if (sy > y1) y1 = sy
      }
      for (let k = 0; k < 8; k++) {
        if (cz[k] >= NEAR) add(cxs[k], cys[k], cz[k])
        for (let bit = 1; bit < 8; bit <<= 1) {
          const m = k | bit
          if (m === k) continue
          if ((cz[k] >= NEAR) !== (cz[m] >= NEAR)) {
            const f = (NEAR - cz[k]) / (cz[m] - cz[k])
            add(cxs[k] + (cxs[m] - cxs[k]) * f, cys[k] + (cys[m] - cys[k]) * f, NEAR)
          }
        }
      }
      const tx0 = Math.max(0, Math.floor(x0 / TILE)); const tx1 = Math.min(tilesX - 1, Math.floor(x1 / TILE))
      const ty0 = Math.max(0, Math.floor(y0 / TILE)); const ty1 = Math.min(tilesY - 1, Math.floor(y1 / TILE))
      if (tx0 > tx1 || ty0 > ty1) continue
      for (let ty = ty0; ty <= ty1; ty++) {
        for (let tx = tx0; tx <= tx1; tx++) {
          const ti = ty * tilesX + tx
          if (tileLists[ti] === null) tileLists[ti] = []
          tileLists[ti].push(eb)
        }
      }
    }

    // camera in water / lava?
    const eyeState = world.getState(Math.floor(ox), Math.floor(oy), Math.floor(oz))
    const eyeFlags = flags[stateType[eyeState]]
    camInWater = (eyeFlags & F_WATER) !== 0
    camInLava = (eyeFlags & F_LAVA) !== 0

    const wd = [0x20 * light, 0x38 * light, 0x90 * light] // deep water colour
    const fogR = camInWater ? wd[0] : hor[0]; const fogG = camInWater ? wd[1] : hor[1]; const fogB = camInWater ? wd[2] : hor[2]
    const fs0 = camInWater ? 0 : fogStart; const fsp = camInWater ? 20 : fogSpan
    const fogLimit = camInWater ? Math.min(maxDist, 24) : maxDist

    for (let j = rowStart; j < rowEnd; j++) {
      const sy = (1 - 2 * (j + 0.5) / H) * tanY
      const tyRow = ((j / TILE) | 0) * tilesX
      for (let i = 0; i < W; i++) {
        const sx = (2 * (i + 0.5) / W - 1) * tanX
        let dx = fx + rx * sx + upx * sy; let dy = fy + upy * sy; let dz = fz + rz * sx + upz * sy
        const inv = 1 / Math.sqrt(dx * dx + dy * dy + dz * dz)
        dx *= inv; dy *= inv; dz *= inv
        // entities first: they bound the block trace
        const list = tileLists[tyRow + ((i / TILE) | 0)]
        let tEnt = Infinity
        if (list !== null) tEnt = entityHit(list, dx, dy, dz, fogLimit)
        const limit = tEnt < fogLimit ? tEnt : fogLimit
        const hit = trace(dx, dy, dz, limit)
        let r, g, b, tFinal, label
        if (hit && hitT <= tEnt) { r = hitR; g = hitG; b = hitB; tFinal = hitT; label = hitLabel } else if (tEnt !== Infinity) {
          r = entR; g = entG; b = entB; tFinal = tEnt; label = entLabel
        } else {
          // sky gradient
          const h = dy < 0 ? 0 : (dy > 0.6 ? 1 : dy / 0.6)
          r = hor[0] + (zen[0] - hor[0]) * h; g = hor[1] + (zen[1] - hor[1]) * h; b = hor[2] + (zen[2] - hor[2]) * h
          tFinal = Infinity; label = 0
          // sun and moon: squares around the sun direction (x, y, 0) and its opposite
          const sd = dx * sunX + dy * sunY
          if (sd > 0.99 || sd < -0.99) {
            const across = dx * sunY - dy * sunX
            if (dz < 0.055 && dz > -0.055 && across < 0.055 && across > -0.055) {
              if (sd > 0) { r = 255; g = 250; b = 200 } else { r = 215; g = 220; b = 235 }
            }
          }
          if (camInWater) { r = fogR; g = fogG; b = fogB }
        }
        // water between the eye and the hit
        if (waterDepth > 0 || waterSurfT >= 0) {
          const a = 1 - Math.exp(-waterDepth * 0.35)
          if (tFinal === Infinity && !camInWater) { r = wd[0]; g = wd[1]; b = wd[2] } else { r += (wd[0] - r) * a; g += (wd[1] - g) * a; b += (wd[2] - b) * a }
          if (waterSurfT >= 0) {
            r = r * 0.45 + waterR * 0.55; g = g * 0.45 + waterG * 0.55; b = b * 0.45 + waterB * 0.55
            tFinal = waterSurfT; label = firstLabel
          }
        }
        // fog
        if (tFinal !== Infinity && tFinal > fs0) {
          let f = (tFinal - fs0) / fsp
          if (f > 1) f = 1
          r += (fogR - r) * f; g += (fogG - g) * f; b += (fogB - b) * f
        }
        const o = (j * W + i) * 3
        rgb[o] = r > 255 ? 255 : r; rgb[o + 1] = g > 255 ? 255 : g; rgb[o + 2] = b > 255 ? 255 : b
        if (wantLabels) lab[j * W + i] = label
      }
    }
    return out
  }
}

const renderers = new WeakMap() // world -> (tables -> render function)
/**
 * Render one frame.
 * params: { eye: [x, y, z], yaw, pitch, width, height, fovDeg, viewDistance, timeOfDay, tints: {grass, foliage},
 *           entities: [...], columnSkip?, rowStart?, rowEnd? }
 * out: { rgb: Uint8Array(w*h*3), labels: Uint16Array(w*h) | null }; returns out.
 */
function renderFrame (world, T, params, out) {
  let byTables = renderers.get(world)
  if (!byTables) { byTables = new WeakMap(); renderers.set(world, byTables) }
  let render = byTables.get(T)
  if (!render) { render = createFrameRenderer(world, T); byTables.set(T, render) }
  return render(params, out)
}

module.exports = { World, decodeColumn, renderFrame, skyState, ENTITY_LABEL_BASE }
