'use strict'
// Block render tables for the ray caster, built from the real Minecraft 1.21.4 assets in the npm package
// minecraft-assets (block models, blockstates, 16x16 block textures) and minecraft-data (state ids).
//
// Every block state maps to a "render type" (deduplicated) made of:
//   - up to MAX_BOXES axis-aligned boxes (cell units 0..1), each with a texture and an affine uv map per world
//     face (the model's variant rotation, explicit uvs and face rotations are folded into the affine map);
//   - up to MAX_PLANES textured planes (cross plants, crops, rails, ladders, ...);
//   - flags: fluid (water / lava / waterlogged), emissive.
// Textures are 16x16 RGBA (first frame of animated strips), optionally with a tint class applied at sampling
// time (grass / foliage follow the biome; water).
const fs = require('fs')
const path = require('path')
const { PNG } = require('pngjs')

const { minecraft: VERSION } = require('larm-world/vanilla/versions.json')
const ASSETS_DIR = path.join(path.dirname(require.resolve('minecraft-assets/package.json')), 'minecraft-assets', 'data',
  VERSION)

const MAX_BOXES = 6
const MAX_PLANES = 4
const PLANE_STRIDE = 20
// kinds
const K_NONE = 0 // invisible (air, barrier, light, or nothing to draw)
const K_CUBE = 1 // full opaque cube: the fast path
const K_SHAPE = 2 // anything else: boxes (alpha tested) and planes
const K_CUTOUT = 3 // full cube with alpha-tested textures (leaves, glass)
// flags
const F_WATER = 1 // the cell is filled with water (water, waterlogged blocks, seagrass, kelp, bubble column)
const F_LAVA = 2
const F_EMISSIVE = 4
// tint classes applied at sampling time
const TINT_NONE = 0
const TINT_GRASS = 1
const TINT_FOLIAGE = 2
const TINT_WATER = 3

const FACES = ['down', 'up', 'north', 'south', 'west', 'east']
const NORMALS = [[0, -1, 0], [0, 1, 0], [0, 0, -1], [0, 0, 1], [-1, 0, 0], [1, 0, 0]]

const PLAINS_GRASS = [0x91, 0xbd, 0x59]
const FIXED_TINTS = {
  spruce_leaves: [0x61, 0x99, 0x61],
  birch_leaves: [0x80, 0xa7, 0x55],
  lily_pad: [0x20, 0x80, 0x30],
  redstone_wire: [0xb0, 0x10, 0x08],
  melon_stem: [0x60, 0xa0, 0x30],
  pumpkin_stem: [0x60, 0xa0, 0x30],
  attached_melon_stem: [0x60, 0xa0, 0x30],
  attached_pumpkin_stem: [0x60, 0xa0, 0x30]
}
// vanilla downfall of common overworld biomes (minecraft-data 1.21.4 lists temperature but not downfall)
const DOWNFALL = {
  plains: 0.4, sunflower_plains: 0.4, forest: 0.8, flower_forest: 0.8, birch_forest: 0.6, old_growth_birch_forest: 0.6,
  dark_forest: 0.8, taiga: 0.8, old_growth_pine_taiga: 0.8, old_growth_spruce_taiga: 0.8, snowy_taiga: 0.4, snowy_plains: 0.5,
  river: 0.5, frozen_river: 0.5, beach: 0.4, snowy_beach: 0.3, stony_shore: 0.3, ocean: 0.5, deep_ocean: 0.5,
  warm_ocean: 0.5, lukewarm_ocean: 0.5, cold_ocean: 0.5, meadow: 0.8, cherry_grove: 0.8, jungle: 0.9, sparse_jungle: 0.8,
  bamboo_jungle: 0.9, swamp: 0.9, mangrove_swamp: 0.9, savanna: 0, savanna_plateau: 0, desert: 0, badlands: 0,
  windswept_hills: 0.3, windswept_forest: 0.3, mushroom_fields: 1
}
const WATER_BLOCKS = new Set(['water', 'bubble_column', 'seagrass', 'tall_seagrass', 'kelp', 'kelp_plant'])
const INVISIBLE = new Set(['air', 'cave_air', 'void_air', 'barrier', 'light', 'structure_void', 'moving_piston'])

function tintClassFor (name) {
  if (FIXED_TINTS[name]) return -1
  if (name === 'water' || name === 'bubble_column' || name === 'water_cauldron') return TINT_WATER
  if (name.endsWith('_leaves') || name === 'vine') return TINT_FOLIAGE
  return TINT_GRASS
}

// ---- rotations (integer 3x3 matrices, row-major) ----
const ID = [1, 0, 0, 0, 1, 0, 0, 0, 1]
const RX90 = [1, 0, 0, 0, 0, 1, 0, -1, 0] // (x,y,z) -> (x, z, -y): up -> north, north -> down (observer facing=down)
const RY90 = [0, 0, -1, 0, 1, 0, 1, 0, 0] // (x,y,z) -> (-z, y, x): north -> east (furnace facing=east)
function mul (a, b) {
  const r = new Array(9).fill(0)
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) r[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j]
  return r
}
function transpose (m) { return [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]] }
function apply (m, v) {
  return [m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2], m[6] * v[0] + m[7] * v[1] + m[8] * v[2]]
}
function variantRotation (x = 0, y = 0) {
  let m = ID
  for (let i = 0; i < (((x / 90) % 4) + 4) % 4; i++) m = mul(RX90, m)
  for (let i = 0; i < (((y / 90) % 4) + 4) % 4; i++) m = mul(RY90, m)
  return m
}
function faceOfNormal (n) {
  for (let f = 0; f < 6; f++) if (NORMALS[f][0] === Math.round(n[0]) && NORMALS[f][1] === Math.round(n[1]) && NORMALS[f][2] === Math.round(n[2])) return f
  return -1
}

// (s, t) in [0,1] across a face of the box [from, to] (model units 0..16), matching Minecraft's default uvs:
// s grows with u, t with v (v = 0 is the top of the texture).
function faceST (f, q, from, to) {
  const d = i => Math.max(1e-6, to[i] - from[i])
  switch (f) {
    case 0: return [(q[0] - from[0]) / d(0), (to[2] - q[2]) / d(2)] // down
    case 1: return [(q[0] - from[0]) / d(0), (q[2] - from[2]) / d(2)] // up
    case 2: return [(to[0] - q[0]) / d(0), (to[1] - q[1]) / d(1)] // north
    case 3: return [(q[0] - from[0]) / d(0), (to[1] - q[1]) / d(1)] // south
    case 4: return [(q[2] - from[2]) / d(2), (to[1] - q[1]) / d(1)] // west
    default: return [(to[2] - q[2]) / d(2), (to[1] - q[1]) / d(1)] // east
  }
}
function defaultUV (f, from, to) {
  switch (f) {
    case 0: return [from[0], 16 - to[2], to[0], 16 - from[2]]
    case 1: return [from[0], from[2], to[0], to[2]]
    case 2: return [16 - to[0], 16 - to[1], 16 - from[0], 16 - from[1]]
    case 3: return [from[0], 16 - to[1], to[0], 16 - from[1]]
    case 4: return [from[2], 16 - to[1], to[2], 16 - from[1]]
    default: return [16 - to[2], 16 - to[1], 16 - from[2], 16 - from[1]]
  }
}
function rotateST (s, t, rot) {
  switch (((rot % 360) + 360) % 360) {
    case 90: return [t, 1 - s]
    case 180: return [1 - s, 1 - t]
    case 270: return [1 - t, s]
    default: return [s, t]
  }
}
// Affine fit of a function R^3 -> R^2 (exact for affine functions): [au, bu, cu, du, av, bv, cv, dv]
function fitAffine (fn) {
  const o = fn([0, 0, 0]); const x = fn([1, 0, 0]); const y = fn([0, 1, 0]); const z = fn([0, 0, 1])
  return [x[0] - o[0], y[0] - o[0], z[0] - o[0], o[0], x[1] - o[1], y[1] - o[1], z[1] - o[1], o[1]]
}

class Assets {
  constructor (registry) {
    this.registry = registry || require('minecraft-data')(VERSION)
    this.models = JSON.parse(fs.readFileSync(path.join(ASSETS_DIR, 'blocks_models.json'), 'utf8'))
    this.blockstates = JSON.parse(fs.readFileSync(path.join(ASSETS_DIR, 'blocks_states.json'), 'utf8'))
    this.pngCache = new Map()
    this.texIndex = new Map()
    this.textures = [] // Uint8Array(1024) RGBA
    this.texTint = [] // tint class per texture
    this.modelCache = new Map()
  }

  // ---------------- textures ----------------
  readPng (file) {
    if (this.pngCache.has(file)) return this.pngCache.get(file)
    let img = null
    try {
      const png = PNG.sync.read(fs.readFileSync(file))
      const w = png.width
      const out = new Uint8Array(16 * 16 * 4)
      for (let y = 0; y < 16; y++) {
        for (let x = 0; x < 16; x++) {
          const sx = Math.floor(x * w / 16); const sy = Math.floor(y * w / 16) // first frame of animated strips
          const si = (sy * w + sx) * 4
          out.set(png.data.subarray(si, si + 4), (y * 16 + x) * 4)
        }
      }
      img = out
    } catch (e) { img = null }
    this.pngCache.set(file, img)
    return img
  }

  blockTexture (name) { return this.readPng(path.join(ASSETS_DIR, 'blocks', name + '.png')) }
  itemTexture (name) { return this.readPng(path.join(ASSETS_DIR, 'items', name + '.png')) }

  /** Texture index for a texture name, with a fixed tint (baked) or a tint class, and an optional overlay. */
  texture (name, { tint = null, tintClass = TINT_NONE, overlay = null, overlayTint = null } = {}) {
    const key = `${name}|${tint}|${tintClass}|${overlay}|${overlayTint}`
    if (this.texIndex.has(key)) return this.texIndex.get(key)
    const base = this.blockTexture(name)
    if (!base) { this.texIndex.set(key, -1); return -1 }
    const img = new Uint8Array(base)
    if (tint) for (let i = 0; i < 1024; i += 4) for (let c = 0; c < 3; c++) img[i + c] = (img[i + c] * tint[c] / 255) | 0
    if (overlay) {
      const ov = this.blockTexture(overlay)
      if (ov) {
        for (let i = 0; i < 1024; i += 4) {
          const a = ov[i + 3] / 255
          if (a === 0) continue
          for (let c = 0; c < 3; c++) {
            const o = overlayTint ? ov[i + c] * overlayTint[c] / 255 : ov[i + c]
            img[i + c] = (img[i + c] * (1 - a) + o * a) | 0
          }
        }
      }
    }
    const idx = this.textures.length
    this.textures.push(img)
    this.texTint.push(tintClass)
    this.texIndex.set(key, idx)
    return idx
  }

  // ---------------- models ----------------
  static stripName (ref) { return ref.replace(/^minecraft:/, '').replace(/^blocks?\//, '') }

  loadModel (name) {
    name = Assets.stripName(name)
    if (this.modelCache.has(name)) return this.modelCache.get(name)
    const textures = {}
    let elements = null
    let cur = name
    for (let depth = 0; cur && depth < 20; depth++) {
      const m = this.models[cur]
      if (!m) break
      for (const [k, v] of Object.entries(m.textures || {})) if (!(k in textures)) textures[k] = v
      if (!elements && m.elements) elements = m.elements
      cur = m.parent ? Assets.stripName(m.parent) : null
    }
    const model = { name, textures, elements }
    this.modelCache.set(name, model)
    return model
  }

  static resolveTexture (textures, ref) {
    for (let i = 0; i < 10 && ref && ref.startsWith('#'); i++) ref = textures[ref.slice(1)]
    if (!ref || ref.startsWith('#')) return null
    return Assets.stripName(ref)
  }

  // blockstate entries {model, x, y, uvlock} that apply to a state's properties
  modelsFor (blockName, props) {
    const bs = this.blockstates[blockName]
    if (!bs) return null
    const matches = cond => Object.entries(cond).every(([k, v]) => String(v).split('|').includes(String(props[k])))
    if (bs.variants) {
      for (const [key, v] of Object.entries(bs.variants)) {
        const ok = key === '' || key.split(',').every(kv => { const [k, val] = kv.split('='); return String(props[k]) === val })
        if (ok) return [Array.isArray(v) ? v[0] : v]
      }
      const first = Object.values(bs.variants)[0]
      return [Array.isArray(first) ? first[0] : first]
    }
    if (bs.multipart) {
      const out = []
      for (const part of bs.multipart) {
        let ok = true
        if (part.when) {
          if (part.when.OR) ok = part.when.OR.some(matches)
          else if (part.when.AND) ok = part.when.AND.every(matches)
          else ok = matches(part.when)
        }
        if (ok) out.push(Array.isArray(part.apply) ? part.apply[0] : part.apply)
      }
      return out
    }
    return null
  }

  // ---------------- render types ----------------
  /** Build the render description of one block state. */
  describe (block, props, entries = this.modelsFor(block.name, props)) {
    const name = block.name
    let flags = 0
    if (WATER_BLOCKS.has(name) || props.waterlogged === 'true' || props.waterlogged === true) flags |= F_WATER
    if (name === 'lava') flags |= F_LAVA
    if (block.emitLight >= 13 || name === 'lava' || name === 'magma_block') flags |= F_EMISSIVE
    const desc = { kind: K_NONE, flags, boxes: [], planes: [] }
    if (INVISIBLE.has(name) || name === 'water' || name === 'lava' || name === 'bubble_column') return desc

    const fixedTint = FIXED_TINTS[name] || null
    const tintClass = tintClassFor(name)
    const texFor = (texName, face, overlayName) => {
      if (!texName) return -1
      const tinted = face && face.tintindex !== undefined
      if (overlayName) return this.texture(texName, { overlay: overlayName, overlayTint: fixedTint || PLAINS_GRASS })
      if (!tinted) return this.texture(texName)
      if (fixedTint) return this.texture(texName, { tint: fixedTint })
      return this.texture(texName, { tintClass })
    }

    if (!entries || entries.length === 0) return this.fallback(desc, name)
    for (const entry of entries) {
      const model = this.loadModel(entry.model)
      const R = variantRotation(entry.x, entry.y)
      const Rinv = transpose(R)
      const uvlock = !!entry.uvlock
      if (!model.elements) {
        // block-entity rendered (chests, signs, beds, ...): a slightly inset box with the particle texture
        const tex = texFor(Assets.resolveTexture(model.textures, '#particle'))
        if (tex >= 0 && desc.boxes.length < MAX_BOXES) desc.boxes.push(this.simpleBox([1, 0, 1], [15, 14, 15], tex))
        continue
      }
      const boxEls = []
      for (const el of model.elements) {
        const thin = [0, 1, 2].filter(i => Math.abs(el.to[i] - el.from[i]) < 1e-6)
        if (thin.length > 0) {
          if (desc.planes.length < MAX_PLANES) {
            const plane = this.plane(el, model, R, texFor)
            if (plane) desc.planes.push(plane)
          }
          continue
        }
        // overlay element sharing the bounds of an earlier one (grass_block side overlay)
        const twin = boxEls.find(b => b.from.every((v, i) => v === el.from[i]) && b.to.every((v, i) => v === el.to[i]))
        if (twin) {
          for (const [fname, face] of Object.entries(el.faces || {})) {
            const base = twin.faces[fname]
            if (base) base.overlay = Assets.resolveTexture(model.textures, face.texture)
          }
          continue
        }
        boxEls.push({ from: el.from, to: el.to, faces: Object.fromEntries(Object.entries(el.faces || {}).map(([k, v]) => [k, { ...v }])) })
      }
      for (const el of boxEls) {
        if (desc.boxes.length >= MAX_BOXES) break
        desc.boxes.push(this.box(el, model, R, Rinv, uvlock, texFor))
      }
    }
    if (desc.boxes.length === 0 && desc.planes.length === 0) return this.fallback(desc, name)
    // full opaque cube?
    if (desc.planes.length === 0 && desc.boxes.length === 1) {
      const b = desc.boxes[0]
      const full = b.min.every(v => Math.abs(v) < 1e-6) && b.max.every(v => Math.abs(v - 1) < 1e-6)
      const opaque = b.tex.every(t => t >= 0 && this.isOpaque(t))
      desc.kind = full ? (opaque ? K_CUBE : K_CUTOUT) : K_SHAPE
    } else desc.kind = K_SHAPE
    return desc
  }

  // no usable model: a full cube with the texture of the same name, else in flat grey
  fallback (desc, name) {
    let tex = this.texture(name)
    if (tex < 0) tex = this.flatTexture([128, 128, 128])
    desc.boxes.push(this.simpleBox([0, 0, 0], [16, 16, 16], tex))
    desc.kind = this.isOpaque(tex) ? K_CUBE : K_CUTOUT
    return desc
  }

  flatTexture (rgb) {
    const key = `flat|${rgb}`
    if (this.texIndex.has(key)) return this.texIndex.get(key)
    const img = new Uint8Array(1024)
    for (let i = 0; i < 1024; i += 4) { img[i] = rgb[0]; img[i + 1] = rgb[1]; img[i + 2] = rgb[2]; img[i + 3] = 255 }
    const idx = this.textures.length
    this.textures.push(img)
    this.texTint.push(TINT_NONE)
    this.texIndex.set(key, idx)
    return idx
  }

  isOpaque (tex) {
    const img = this.textures[tex]
    for (let i = 3; i < 1024; i += 4) if (img[i] < 128) return false
    return true
  }

  simpleBox (from, to, tex) {
    const el = { from, to, faces: {} }
    for (const f of FACES) el.faces[f] = { texture: '#t' }
    return this.box(el, { textures: { t: '__tex__' } }, ID, ID, false, () => tex)
  }

  box (el, model, R, Rinv, uvlock, texFor) {
    // world-space bounds (cell units)
    const c1 = apply(R, [el.from[0] - 8, el.from[1] - 8, el.from[2] - 8])
    const c2 = apply(R, [el.to[0] - 8, el.to[1] - 8, el.to[2] - 8])
    const min = [0, 1, 2].map(i => (Math.min(c1[i], c2[i]) + 8) / 16)
    const max = [0, 1, 2].map(i => (Math.max(c1[i], c2[i]) + 8) / 16)
    const tex = []; const aff = []
    for (let wf = 0; wf < 6; wf++) {
      const mf = faceOfNormal(apply(Rinv, NORMALS[wf]))
      const face = el.faces[FACES[mf]]
      if (!face) { tex.push(-1); aff.push([0, 0, 0, 0, 0, 0, 0, 0]); continue }
      const texName = Assets.resolveTexture(model.textures, face.texture)
      const t = texName === '__tex__' ? texFor() : texFor(texName, face, face.overlay)
      tex.push(t)
      if (uvlock) {
        const wmin = min.map(v => v * 16); const wmax = max.map(v => v * 16)
        const [u0, v0, u1, v1] = defaultUV(wf, wmin, wmax)
        aff.push(fitAffine(p => {
          const [s, tt] = faceST(wf, [p[0] * 16, p[1] * 16, p[2] * 16], wmin, wmax)
          return [u0 + s * (u1 - u0), v0 + tt * (v1 - v0)]
        }))
      } else {
        const [u0, v0, u1, v1] = face.uv || defaultUV(mf, el.from, el.to)
        aff.push(fitAffine(p => {
          const q = apply(Rinv, [p[0] * 16 - 8, p[1] * 16 - 8, p[2] * 16 - 8]).map(v => v + 8)
          const [s0, t0] = faceST(mf, q, el.from, el.to)
          const [s, tt] = rotateST(s0, t0, face.rotation || 0)
          return [u0 + s * (u1 - u0), v0 + tt * (v1 - v0)]
        }))
      }
    }
    return { min, max, tex, aff }
  }

  // A zero-thickness element as a textured plane: origin o, edge vectors U, V (cell units, world space),
  // and an affine uv map in the plane coordinates (a, b) in [0,1]^2.
  plane (el, model, R, texFor) {
    const thinAxis = [0, 1, 2].find(i => Math.abs(el.to[i] - el.from[i]) < 1e-6)
    // the first face drawn by the element (planes are drawn double sided with the same texture)
    const fname = Object.keys(el.faces || {})[0]
    if (!fname) return null
    const face = el.faces[fname]
    const tex = texFor(Assets.resolveTexture(model.textures, face.texture), face)
    if (tex < 0) return null
    const mf = FACES.indexOf(fname)
    const [u0, v0, u1, v1] = face.uv || defaultUV(mf, el.from, el.to)
    // plane axes in model space
    const axes = [0, 1, 2].filter(i => i !== thinAxis)
    const o = [...el.from]
    const U = [0, 0, 0]; U[axes[0]] = el.to[axes[0]] - el.from[axes[0]]
    const V = [0, 0, 0]; V[axes[1]] = el.to[axes[1]] - el.from[axes[1]]
    // element rotation (e.g. the 45 degree cross), with rescale
    const xform = p => {
      let q = [...p]
      const r = el.rotation
      if (r && r.angle) {
        const a = r.angle * Math.PI / 180; const ca = Math.cos(a); const sa = Math.sin(a)
        const org = r.origin || [8, 8, 8]
        const d = [q[0] - org[0], q[1] - org[1], q[2] - org[2]]
        const scale = r.rescale ? 1 / Math.cos(Math.abs(a)) : 1
        let x = d[0]; let y = d[1]; let z = d[2]
        if (r.axis === 'y') { const nx = x * ca + z * sa; const nz = -x * sa + z * ca; x = nx * scale; z = nz * scale } else if (r.axis === 'x') { const ny = y * ca - z * sa; const nz = y * sa + z * ca; y = ny * scale; z = nz * scale } else { const nx = x * ca - y * sa; const ny = x * sa + y * ca; x = nx * scale; y = ny * scale }
        q = [x + org[0], y + org[1], z + org[2]]
      }
      return apply(R, [q[0] - 8, q[1] - 8, q[2] - 8]).map(v => (v + 8) / 16)
    }
    const P0 = xform(o)
    const PU = xform([o[0] + U[0], o[1] + U[1], o[2] + U[2]])
    const PV = xform([o[0] + V[0], o[1] + V[1], o[2] + V[2]])
    const Uw = PU.map((v, i) => v - P0[i]); const Vw = PV.map((v, i) => v - P0[i])
    // uv of plane coords (a along U, b along V), evaluated through the face's default mapping
    const uvAt = (a, b) => {
      const q = [o[0] + a * U[0] + b * V[0], o[1] + a * U[1] + b * V[1], o[2] + a * U[2] + b * V[2]]
      const [s0, t0] = faceST(mf, q, el.from, el.to)
      const [s, t] = rotateST(s0, t0, face.rotation || 0)
      return [u0 + s * (u1 - u0), v0 + t * (v1 - v0)]
    }
    const A = uvAt(0, 0); const B = uvAt(1, 0); const C = uvAt(0, 1)
    return { o: P0, U: Uw, V: Vw, tex, uv: [B[0] - A[0], C[0] - A[0], A[0], B[1] - A[1], C[1] - A[1], A[1]] }
  }

  /** Build the flat typed-array tables the ray caster uses. */
  build () {
    const registry = this.registry
    const Block = require('prismarine-block')(registry)
    const nStates = registry.blocksArray.reduce((m, b) => Math.max(m, b.maxStateId), 0) + 1
    const stateType = new Uint16Array(nStates)
    const stateLabel = new Uint16Array(nStates)
    const types = []
    const typeKeys = new Map()
    const descCache = new Map()
    const addType = desc => {
      const key = JSON.stringify(desc)
      let idx = typeKeys.get(key)
      if (idx === undefined) { idx = types.length; types.push(desc); typeKeys.set(key, idx) }
      return idx
    }
    addType({ kind: K_NONE, flags: 0, boxes: [], planes: [] }) // type 0 = air
    const waterTex = this.texture('water_still', { tintClass: TINT_WATER })
    const lavaTex = this.texture('lava_still')
    for (const block of registry.blocksArray) {
      for (let s = block.minStateId; s <= block.maxStateId; s++) {
        stateLabel[s] = block.id
        let props = {}
        if (block.states && block.states.length) {
          try { props = Block.fromStateId(s, 0).getProperties() } catch (e) { props = {} }
        }
        const sprops = {}
        for (const k in props) sprops[k] = String(props[k])
        // states that draw the same models share one description
        const entries = this.modelsFor(block.name, sprops)
        const key = block.name + '|' + (sprops.waterlogged === 'true') + '|' + JSON.stringify(entries)
        let type = descCache.get(key)
        if (type === undefined) { type = addType(this.describe(block, sprops, entries)); descCache.set(key, type) }
        stateType[s] = type
      }
    }
    const n = types.length
    const kind = new Uint8Array(n)
    const flags = new Uint8Array(n)
    const nBoxes = new Uint8Array(n)
    const boxBounds = new Float32Array(n * MAX_BOXES * 6)
    const boxTex = new Int32Array(n * MAX_BOXES * 6).fill(-1)
    const boxAff = new Float32Array(n * MAX_BOXES * 6 * 8)
    const nPlanes = new Uint8Array(n)
    const planeData = new Float32Array(n * MAX_PLANES * PLANE_STRIDE) // o(3) n(3) U/|U|^2 (3) V/|V|^2 (3) uv(6) tex(1)
    for (let t = 0; t < n; t++) {
      const d = types[t]
      kind[t] = d.kind; flags[t] = d.flags; nBoxes[t] = d.boxes.length; nPlanes[t] = d.planes.length
      d.boxes.forEach((b, bi) => {
        const base = (t * MAX_BOXES + bi)
        boxBounds.set([...b.min, ...b.max], base * 6)
        for (let f = 0; f < 6; f++) { boxTex[base * 6 + f] = b.tex[f]; boxAff.set(b.aff[f], (base * 6 + f) * 8) }
      })
      d.planes.forEach((p, pi) => {
        const nrm = [p.U[1] * p.V[2] - p.U[2] * p.V[1], p.U[2] * p.V[0] - p.U[0] * p.V[2], p.U[0] * p.V[1] - p.U[1] * p.V[0]]
        const uu = p.U[0] ** 2 + p.U[1] ** 2 + p.U[2] ** 2; const vv = p.V[0] ** 2 + p.V[1] ** 2 + p.V[2] ** 2
        planeData.set([...p.o, ...nrm, ...p.U.map(v => v / uu), ...p.V.map(v => v / vv), ...p.uv, p.tex], (t * MAX_PLANES + pi) * PLANE_STRIDE)
      })
    }
    // textures + averages (for distance filtering and fallbacks)
    const nTex = this.textures.length
    const texData = new Uint8Array(Math.max(1, nTex) * 1024)
    const texAvg = new Float32Array(Math.max(1, nTex) * 3)
    this.textures.forEach((img, i) => {
      texData.set(img, i * 1024)
      let r = 0; let g = 0; let b = 0; let a = 0
      for (let k = 0; k < 1024; k += 4) { const w = img[k + 3] / 255; r += img[k] * w; g += img[k + 1] * w; b += img[k + 2] * w; a += w }
      if (a > 0) { texAvg[i * 3] = r / a; texAvg[i * 3 + 1] = g / a; texAvg[i * 3 + 2] = b / a }
    })
    return {
      waterTex,
      lavaTex,
      nStates,
      stateType,
      stateLabel,
      kind,
      flags,
      nBoxes,
      boxBounds,
      boxTex,
      boxAff,
      nPlanes,
      planeData,
      texData,
      texAvg,
      texTint: Uint8Array.from(this.texTint),
      waterLabel: registry.blocksByName.water.id,
      lavaLabel: registry.blocksByName.lava.id,
      nTypes: n,
      nTex
    }
  }

  /** Average colour (0..255 RGB) of a block or item texture, for entities such as dropped items. */
  itemColour (name) {
    const block = this.registry.blocksByName[name]
    let img = null
    if (block) {
      const entries = this.modelsFor(name, {})
      const model = entries && entries[0] && this.loadModel(entries[0].model)
      const texName = model && (Assets.resolveTexture(model.textures, '#particle') || Assets.resolveTexture(model.textures, '#all') || Assets.resolveTexture(model.textures, '#side'))
      img = (texName && this.blockTexture(texName)) || this.blockTexture(name)
    }
    if (!img) img = this.itemTexture(name)
    if (!img) return [200, 200, 200]
    let r = 0; let g = 0; let b = 0; let a = 0
    for (let k = 0; k < 1024; k += 4) { const w = img[k + 3] / 255; r += img[k] * w; g += img[k + 1] * w; b += img[k + 2] * w; a += w }
    return a > 0 ? [r / a, g / a, b / a] : [200, 200, 200]
  }

  /** Grass and foliage colours of a biome from the vanilla colour maps (temperature, downfall). */
  biomeTints (biome) {
    const fallback = { grass: PLAINS_GRASS, foliage: [0x77, 0xab, 0x2f] }
    if (!biome) return fallback
    const t = Math.min(1, Math.max(0, biome.temperature ?? 0.8))
    const downfall = biome.rainfall ?? biome.downfall ?? DOWNFALL[biome.name] ?? (biome.has_precipitation === false ? 0 : 0.5)
    const rain = Math.min(1, Math.max(0, downfall)) * t
    const x = Math.round((1 - t) * 255); const y = Math.round((1 - rain) * 255)
    const pick = file => {
      const img = this.colormap(file)
      if (!img) return null
      const i = (y * 256 + x) * 4
      return [img[i], img[i + 1], img[i + 2]]
    }
    let grass = pick('grass') || fallback.grass
    let foliage = pick('foliage') || fallback.foliage
    if (/swamp/.test(biome.name)) { grass = [0x6a, 0x70, 0x39]; foliage = [0x6a, 0x70, 0x39] }
    if (/badlands/.test(biome.name)) { grass = [0x90, 0x81, 0x4d]; foliage = [0x9e, 0x81, 0x4d] }
    return { grass, foliage }
  }

  colormap (name) {
    const key = 'colormap:' + name
    if (this.pngCache.has(key)) return this.pngCache.get(key)
    let data = null
    try { data = PNG.sync.read(fs.readFileSync(path.join(ASSETS_DIR, 'colormap', name + '.png'))).data } catch (e) { data = null }
    this.pngCache.set(key, data)
    return data
  }
}

// Building the tables decodes about a thousand PNGs (about 2 s, paid by every new bridge); they depend only on
// this file and the assets package, so they are built once and kept in node_modules/.cache, keyed by both.
const CACHE_DIR = path.join(path.dirname(require.resolve('minecraft-assets/package.json')), '..', '.cache', 'larm-render')

function tablesCacheFile () {
  const assetsVersion = require('minecraft-assets/package.json').version
  const key = require('crypto').createHash('sha256')
    .update(fs.readFileSync(__filename)).update(assetsVersion).update(VERSION).digest('hex').slice(0, 16)
  return path.join(CACHE_DIR, `tables-${key}.v8`)
}

/** assets.build(), from the cache when this code and these assets built it before; written atomically. */
function buildTablesCached (assets) {
  const v8 = require('v8')
  const file = tablesCacheFile()
  try {
    return v8.deserialize(fs.readFileSync(file))
  } catch {} // missing, or unreadable: build it
  const tables = assets.build()
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true })
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`
    fs.writeFileSync(tmp, v8.serialize(tables))
    fs.renameSync(tmp, file)
  } catch {} // a read-only install still renders, only slower to start
  return tables
}

module.exports = {
  Assets,
  buildTablesCached,
  ASSETS_DIR,
  MAX_BOXES,
  MAX_PLANES,
  PLANE_STRIDE,
  K_NONE,
  K_CUBE,
  K_SHAPE,
  K_CUTOUT,
  F_WATER,
  F_LAVA,
  F_EMISSIVE,
  TINT_NONE,
  TINT_GRASS,
  TINT_FOLIAGE,
  TINT_WATER,
  FACES
}
