'use strict'
// Entities as boxes: the passive mobs and players as a few boxes each, textured with the real entity
// textures of minecraft-assets (Minecraft's box-uv layout), every other entity as one coloured box the size of
// its hitbox, dropped items as a small cube in the item's average colour.
//
// Model coordinates are in pixels (1/16 block): x to the entity's right, y up from its feet, z backwards
// (the entity faces -z, i.e. yaw 0 faces north as in mineflayer). Each part: min, max corners; uv = the
// texture box [u, v, w, h, d] of the texture file; mode 'box' (w along x, h along y, d along z) or 'body'
// (a box Minecraft draws rotated 90 degrees about x: w along x, h along the length z, d vertical).
const fs = require('fs')
const path = require('path')
const { PNG } = require('pngjs')

const part = (min, max, uv, mode = 'box', texture = null) => ({ min, max, uv, mode, texture })
const legs = (x, zBack, zFront, h, uv) => [
  part([-x - 2, 0, zBack - 2], [-x + 2, h, zBack + 2], uv), part([x - 2, 0, zBack - 2], [x + 2, h, zBack + 2], uv),
  part([-x - 2, 0, zFront - 2], [-x + 2, h, zFront + 2], uv), part([x - 2, 0, zFront - 2], [x + 2, h, zFront + 2], uv)
]

const MODELS = {
  cow: {
    texture: 'cow/cow',
    colour: 0x4a3828,
    parts: [
      part([-4, 16, -14], [4, 24, -8], [0, 0, 8, 8, 6]), // head
      part([-5, 22, -12], [-4, 25, -11], [22, 0, 1, 3, 1]), part([4, 22, -12], [5, 25, -11], [22, 0, 1, 3, 1]), // horns
      part([-6, 12, -8], [6, 22, 10], [18, 4, 12, 18, 10], 'body'),
      part([-2, 11, 4], [2, 12, 10], [52, 0, 4, 6, 1], 'body'), // udder
      ...legs(4, 7, -5, 12, [0, 16, 4, 12, 4])
    ]
  },
  mooshroom: { texture: 'cow/red_mooshroom', colour: 0xa81818, parts: null }, // same boxes as the cow
  pig: {
    texture: 'pig/pig',
    colour: 0xf0a0a0,
    parts: [
      part([-4, 8, -14], [4, 16, -6], [0, 0, 8, 8, 8]),
      part([-2, 9, -15], [2, 12, -14], [16, 16, 4, 3, 1]), // snout
      part([-5, 6, -8], [5, 14, 8], [28, 8, 10, 16, 8], 'body'),
      ...legs(3, 7, -5, 6, [0, 16, 4, 6, 4])
    ]
  },
  sheep: {
    texture: 'sheep/sheep',
    colour: 0xe9e9e9,
    parts: [
      part([-3, 16, -14], [3, 22, -6], [0, 0, 6, 6, 8]),
      part([-5.75, 10.25, -9.75], [5.75, 19.75, 9.75], [28, 8, 8, 16, 6], 'body', 'sheep/sheep_fur'), // wool
      ...legs(3, 7, -5, 12, [0, 16, 4, 12, 4])
    ]
  },
  chicken: {
    texture: 'chicken',
    colour: 0xf6f6f6,
    parts: [
      part([-2, 9, -6], [2, 15, -3], [0, 0, 4, 6, 3]),
      part([-2, 11, -8], [2, 13, -6], [14, 0, 4, 2, 2]), // beak
      part([-1, 9, -7], [1, 11, -5], [14, 4, 2, 2, 2]), // wattle
      part([-3, 5, -4], [3, 11, 4], [0, 9, 6, 8, 6], 'body'),
      part([-4, 7, -3], [-3, 11, 3], [24, 13, 1, 4, 6]), part([3, 7, -3], [4, 11, 3], [24, 13, 1, 4, 6]), // wings
      part([-3, 0, -2], [0, 5, 1], [26, 0, 3, 5, 3]), part([0, 0, -2], [3, 5, 1], [26, 0, 3, 5, 3])
    ]
  },
  player: {
    texture: 'player/wide/steve',
    colour: 0x00a3a3,
    parts: [
      part([-4, 24, -4], [4, 32, 4], [0, 0, 8, 8, 8]),
      part([-4, 12, -2], [4, 24, 2], [16, 16, 8, 12, 4]),
      part([4, 12, -2], [8, 24, 2], [40, 16, 4, 12, 4]), part([-8, 12, -2], [-4, 24, 2], [40, 16, 4, 12, 4]),
      part([0, 0, -2], [4, 12, 2], [0, 16, 4, 12, 4]), part([-4, 0, -2], [0, 12, 2], [0, 16, 4, 12, 4])
    ]
  }
}
MODELS.mooshroom.parts = MODELS.cow.parts
const GENERIC_COLOURS = { zombie: 0x3f7a3a, skeleton: 0xbcbcbc, creeper: 0x4ca33c, spider: 0x342c28, enderman: 0x161616, wolf: 0xd8d4d0, horse: 0x8a5a32, villager: 0x8a6a50, slime: 0x70c060 }

/** Load the entity textures the models use: Map name -> { w, h, data (RGBA) }. */
function loadEntityTextures (assetsDir) {
  const out = new Map()
  const names = new Set()
  for (const m of Object.values(MODELS)) { names.add(m.texture); for (const p of m.parts) if (p.texture) names.add(p.texture) }
  for (const name of names) {
    try {
      const png = PNG.sync.read(fs.readFileSync(path.join(assetsDir, 'entity', name + '.png')))
      out.set(name, { w: png.width, h: png.height, data: new Uint8Array(png.data) })
    } catch (e) { /* missing texture: the part is drawn in the model's flat colour */ }
  }
  return out
}

/**
 * Texture region and (s, t) of a hit on a part. face: 0 -x, 1 +x, 2 -y, 3 +y, 4 -z, 5 +z (local frame);
 * nx, ny, nz: the hit point normalised to [0, 1] across the part. Returns [u, v] in texture pixels.
 */
function partUV (p, face, nx, ny, nz) {
  const [u, v, w, h, d] = p.uv
  let ru, rv, rw, rh, s, t
  if (p.mode === 'body') {
    switch (face) {
      case 3: ru = u + 2 * d + w; rv = v + d; rw = w; rh = h; s = nx; t = nz; break // back of the animal
      case 2: ru = u + d; rv = v + d; rw = w; rh = h; s = 1 - nx; t = nz; break // belly
      case 1: ru = u; rv = v + d; rw = d; rh = h; s = 1 - ny; t = nz; break
      case 0: ru = u + d + w; rv = v + d; rw = d; rh = h; s = ny; t = nz; break
      case 4: ru = u + d; rv = v; rw = w; rh = d; s = 1 - nx; t = 1 - ny; break // head end
      default: ru = u + d + w; rv = v; rw = w; rh = d; s = 1 - nx; t = 1 - ny // tail end
    }
  } else {
    switch (face) {
      case 4: ru = u + d; rv = v + d; rw = w; rh = h; s = 1 - nx; t = 1 - ny; break // front
      case 5: ru = u + 2 * d + w; rv = v + d; rw = w; rh = h; s = nx; t = 1 - ny; break // back
      case 1: ru = u; rv = v + d; rw = d; rh = h; s = 1 - nz; t = 1 - ny; break // right side
      case 0: ru = u + d + w; rv = v + d; rw = d; rh = h; s = nz; t = 1 - ny; break // left side
      case 3: ru = u + d; rv = v; rw = w; rh = d; s = 1 - nx; t = 1 - nz; break // top
      default: ru = u + d + w; rv = v; rw = w; rh = d; s = 1 - nx; t = 1 - nz // bottom
    }
  }
  const su = Math.min(rw - 1e-3, Math.max(0, s * rw)); const tv = Math.min(rh - 1e-3, Math.max(0, t * rh))
  return [ru + su, rv + tv]
}

/**
 * Expand entity descriptions {x, y, z, yaw, name, w, h, label, colour?, baby?} into world-space parts:
 * [{ parts: [{x, y, z, hx, hy, hz, c, s, r, g, b, label, tex, src}], minX..maxZ }]
 */
function entityBoxes (entities, textures) {
  const boxes = []
  for (const e of entities) {
    const c = Math.cos(e.yaw); const s = Math.sin(e.yaw)
    const model = MODELS[e.name]
    let parts
    const scale = e.baby ? 0.5 : 1
    if (model) {
      parts = model.parts.map(p => ({ ...p, colour: model.colour, tex: textures && textures.get(p.texture || model.texture) }))
    } else if (e.name === 'item' || e.name === 'experience_orb') {
      const sz = e.name === 'item' ? 4.8 : 3.2
      parts = [{ min: [-sz / 2, 1.3, -sz / 2], max: [sz / 2, 1.3 + sz, sz / 2], colour: e.colour ?? 0xc8c8c8 }]
    } else {
      const w = (e.w || 0.6) * 16; const h = (e.h || 1.8) * 16
      parts = [{ min: [-w / 2, 0, -w / 2], max: [w / 2, h, w / 2], colour: e.colour ?? GENERIC_COLOURS[e.name] ?? 0x808080 }]
    }
    const eb = { parts: [], minX: Infinity, minY: Infinity, minZ: Infinity, maxX: -Infinity, maxY: -Infinity, maxZ: -Infinity }
    for (const p of parts) {
      const k = scale / 16
      const lx = (p.min[0] + p.max[0]) / 2 * k; const ly = (p.min[1] + p.max[1]) / 2 * k; const lz = (p.min[2] + p.max[2]) / 2 * k
      // local -> world: x' = x cos + z sin, z' = -x sin + z cos (yaw 0 faces -z)
      const wx = e.x + lx * c + lz * s; const wy = e.y + ly; const wz = e.z - lx * s + lz * c
      const hx = (p.max[0] - p.min[0]) / 2 * k; const hy = (p.max[1] - p.min[1]) / 2 * k; const hz = (p.max[2] - p.min[2]) / 2 * k
      eb.parts.push({ x: wx, y: wy, z: wz, hx, hy, hz, c, s, r: (p.colour >> 16) & 255, g: (p.colour >> 8) & 255, b: p.colour & 255, label: e.label, tex: p.tex || null, src: p })
      const rad = Math.hypot(hx, hz)
      eb.minX = Math.min(eb.minX, wx - rad); eb.maxX = Math.max(eb.maxX, wx + rad)
      eb.minY = Math.min(eb.minY, wy - hy); eb.maxY = Math.max(eb.maxY, wy + hy)
      eb.minZ = Math.min(eb.minZ, wz - rad); eb.maxZ = Math.max(eb.maxZ, wz + rad)
    }
    boxes.push(eb)
  }
  return boxes
}

module.exports = { MODELS, loadEntityTextures, entityBoxes, partUV }
