'use strict'
// Builds one chunk column as a flat array of block state ids, then copies it into a prismarine-chunk.
// Order: stone/deepslate/bedrock and surface layers -> water -> caves and ravines -> lava pools -> ores
// -> sugar cane and plants -> trees. Each step reads only pure terrain functions and this chunk's array,
// so the result is the same whatever order chunks are asked for.
const { Vec3 } = require('vec3')
const { hash3, rand3, subSeed, featureRandom } = require('./noise')
const { SEA_LEVEL, LAVA_LEVEL, CAVE_FLOOR, TREE_CELL } = require('./terrain')
const { ORES, placeOres } = require('./ores')

const HEIGHT = 384
const COLUMN = 256 // blocks per y level of a chunk
const MARGIN = 2 // heights are computed 2 blocks beyond the chunk to see nearby water and slopes
const SPAN = 16 + 2 * MARGIN

function idx (x, y, z) { return ((y + 64) << 8) | (z << 4) | x }

// Block state ids used by the generator, resolved once per registry.
function blockStates (registry) {
  const Block = require('prismarine-block')(registry)
  const byName = name => {
    const b = registry.blocksByName[name]
    if (!b) throw new Error(`generator: block ${name} missing from minecraft-data ${registry.version.minecraftVersion}`)
    return b.defaultState
  }
  const leaves = name => {
    const out = [0]
    for (let d = 1; d <= 7; d++) out.push(Block.fromProperties(name, { distance: d, persistent: false, waterlogged: false }).stateId)
    return out
  }
  const ores = {}
  for (const ore of ORES) ores[ore] = { stone: byName(ore + '_ore'), deepslate: byName('deepslate_' + ore + '_ore') }
  const grass = Block.fromProperties('grass_block', { snowy: false }).stateId
  const s = {
    air: 0,
    stone: byName('stone'),
    deepslate: Block.fromProperties('deepslate', { axis: 'y' }).stateId,
    bedrock: byName('bedrock'),
    dirt: byName('dirt'),
    grass,
    sand: byName('sand'),
    gravel: byName('gravel'),
    clay: byName('clay'),
    water: registry.blocksByName.water.minStateId, // level 0: a source block
    lava: registry.blocksByName.lava.minStateId,
    sugarCane: registry.blocksByName.sugar_cane.minStateId, // age 0
    shortGrass: byName('short_grass'),
    dandelion: byName('dandelion'),
    poppy: byName('poppy'),
    logs: {
      oak: Block.fromProperties('oak_log', { axis: 'y' }).stateId,
      birch: Block.fromProperties('birch_log', { axis: 'y' }).stateId
    },
    leaves: { oak: leaves('oak_leaves'), birch: leaves('birch_leaves') },
    ores
  }
  s.leafDistance = new Map()
  for (const type of ['oak', 'birch']) for (let d = 1; d <= 7; d++) s.leafDistance.set(s.leaves[type][d], d)
  s.plants = new Set([s.shortGrass, s.dandelion, s.poppy])
  s.biomes = {}
  for (const name of ['plains', 'forest', 'birch_forest', 'river', 'beach']) s.biomes[name] = registry.biomesByName[name].id
  return s
}

// The flat array for chunk (cx, cz). Returns { blocks, heights, biomeCells } where heights are the
// terrain surface heights of the 16x16 columns and biomeCells the biome id of each 4x4 column cell.
function buildChunkData (terrain, states, cx, cz) {
  const x0 = cx * 16
  const z0 = cz * 16
  const seed = terrain.blockSeed
  const blocks = new Uint16Array(HEIGHT * COLUMN)

  const H = new Int16Array(SPAN * SPAN)
  let maxH = -64
  for (let j = 0; j < SPAN; j++) {
    for (let i = 0; i < SPAN; i++) {
      const h = terrain.height(x0 - MARGIN + i, z0 - MARGIN + j)
      H[j * SPAN + i] = h
      if (h > maxH) maxH = h
    }
  }
  const hAt = (x, z) => H[(z + MARGIN) * SPAN + x + MARGIN]

  const heights = new Int16Array(256)
  const caveCeil = new Int16Array(256) // highest y caves may carve in each column
  const ravineCeil = new Int16Array(256)
  const cheeseCeil = new Int16Array(256)
  for (let z = 0; z < 16; z++) {
    for (let x = 0; x < 16; x++) {
      const h = hAt(x, z)
      heights[(z << 4) | x] = h
      const wx = x0 + x
      const wz = z0 + z
      let nearWater = false
      let minH = h
      for (let dz = -2; dz <= 2; dz++) {
        for (let dx = -2; dx <= 2; dx++) {
          const hn = hAt(x + dx, z + dz)
          if (hn < SEA_LEVEL) nearWater = true
          if (hn < minH) minH = hn
        }
      }
      const slope = Math.max(Math.abs(h - hAt(x + 1, z)), Math.abs(h - hAt(x - 1, z)),
        Math.abs(h - hAt(x, z + 1)), Math.abs(h - hAt(x, z - 1)))
      fillColumn(terrain, states, blocks, x, z, wx, wz, h, slope, seed)
      // Keep a solid roof of at least 4 blocks under and beside water so lakes never drain into caves.
      let ceil
      if (nearWater) ceil = Math.min(h, minH) - 5
      else if (terrain.mouthAllowed(wx, wz)) ceil = h
      else ceil = h - 5
      caveCeil[(z << 4) | x] = ceil
      ravineCeil[(z << 4) | x] = nearWater ? Math.min(h, minH) - 5 : h
      cheeseCeil[(z << 4) | x] = Math.min(ceil, h - 12)
    }
  }

  carveCaves(terrain, states, blocks, x0, z0, heights, caveCeil, cheeseCeil)
  carveRavines(terrain, states, blocks, x0, z0, ravineCeil)
  placeLavaPool(terrain, states, blocks, cx, cz)
  placeOres(terrain.seedInt, cx, cz, blocks, states, maxH)
  decorate(terrain, states, blocks, x0, z0, hAt)
  placeTrees(terrain, states, blocks, x0, z0)

  const biomeCells = new Uint16Array(16)
  for (let bz = 0; bz < 4; bz++) {
    for (let bx = 0; bx < 4; bx++) {
      const x = bx * 4 + 2
      const z = bz * 4 + 2
      const h = hAt(x, z)
      let name
      if (h < SEA_LEVEL) name = 'river'
      else if (h <= 63) name = 'beach'
      else if (terrain.forestDensity(x0 + x, z0 + z) > 0.3) name = terrain.isBirchArea(x0 + x, z0 + z) ? 'birch_forest' : 'forest'
      else name = 'plains'
      biomeCells[bz * 4 + bx] = states.biomes[name]
    }
  }
  return { blocks, heights, biomeCells }
}

// Bedrock floor, deepslate, stone, then the surface layers of one column.
function fillColumn (terrain, states, blocks, x, z, wx, wz, h, slope, seed) {
  const base = (z << 4) | x
  blocks[base] = states.bedrock // y = -64
  for (let y = -63; y <= h; y++) {
    let s
    if (y <= -60 && rand3(seed, wx, y, wz) < (-59 - y) / 5) s = states.bedrock
    else if (y < 0) s = states.deepslate
    else if (y < 8) s = rand3(seed, wx, y, wz) < (8 - y) / 8 ? states.deepslate : states.stone
    else s = states.stone
    blocks[((y + 64) << 8) | base] = s
  }
  const g = terrain.gravelValue(wx, wz)
  const put = (y, s) => { blocks[((y + 64) << 8) | base] = s }
  if (h < SEA_LEVEL) {
    // Lake and river beds: sand near the shore, gravel patches, some clay in deeper water.
    let bed = states.sand
    if (g > 0.22) bed = states.gravel
    else if (h < 57 && g < -0.28) bed = states.clay
    for (let y = h - 2; y <= h; y++) put(y, bed)
    for (let y = h + 1; y <= SEA_LEVEL; y++) blocks[((y + 64) << 8) | base] = states.water
  } else if (terrain.isRockySurface(wx, wz, h, slope)) {
    // Bare stone: knolls and steep slopes, where stone is there for the taking.
  } else if (h <= 63) {
    const s = g > 0.3 ? states.gravel : states.sand
    for (let y = h - 2; y <= h; y++) put(y, s)
  } else {
    const dirtDepth = 3 + (hash3(seed, wx, 5000, wz) & 1)
    for (let y = h - dirtDepth; y < h; y++) put(y, states.dirt)
    put(h, states.grass)
  }
}

// Noise caves: the cave fields are sampled on a 4-block lattice and interpolated in between.
// Cheese caverns stay at least 12 blocks under the surface; spaghetti tunnels may break through it
// where the terrain allows a cave mouth (caveCeil equals the surface height there). Below LAVA_LEVEL
// cave air is lava.
function carveCaves (terrain, states, blocks, x0, z0, heights, caveCeil, cheeseCeil) {
  let top = CAVE_FLOOR
  for (let i = 0; i < 256; i++) if (caveCeil[i] > top) top = caveCeil[i]
  if (top <= CAVE_FLOOR) return
  const yBase = CAVE_FLOOR - (((CAVE_FLOOR % 4) + 4) % 4) // lattice aligned to multiples of 4
  const ny = Math.floor((top - yBase) / 4) + 2
  const N = 5 * 5 * ny
  const ch = new Float32Array(N)
  const fa = new Float32Array(N)
  const fb = new Float32Array(N)
  const fw = new Float32Array(N)
  for (let k = 0; k < ny; k++) {
    for (let j = 0; j < 5; j++) {
      for (let i = 0; i < 5; i++) {
        const f = terrain.caveFields(x0 + i * 4, yBase + k * 4, z0 + j * 4)
        const n = (k * 5 + j) * 5 + i
        ch[n] = f[0]
        fa[n] = f[1]
        fb[n] = f[2]
        fw[n] = f[3]
      }
    }
  }
  const lerp3 = (arr, n, u, v, w) => {
    // n: index of corner (i, j, k); strides: i 1, j 5, k 25
    const c000 = arr[n]; const c100 = arr[n + 1]; const c010 = arr[n + 5]; const c110 = arr[n + 6]
    const c001 = arr[n + 25]; const c101 = arr[n + 26]; const c011 = arr[n + 30]; const c111 = arr[n + 31]
    const a = c000 + (c100 - c000) * u
    const b = c010 + (c110 - c010) * u
    const c = c001 + (c101 - c001) * u
    const d = c011 + (c111 - c011) * u
    const e = a + (b - a) * v
    const f = c + (d - c) * v
    return e + (f - e) * w
  }
  for (let z = 0; z < 16; z++) {
    const j = z >> 2
    const v = (z & 3) / 4
    for (let x = 0; x < 16; x++) {
      const i = x >> 2
      const u = (x & 3) / 4
      const col = (z << 4) | x
      const ceil = caveCeil[col]
      const cheeseTop = cheeseCeil[col]
      // In cave-mouth patches tunnels widen as they near the surface, so they break out into the open.
      const mouthFrom = ceil === heights[col] ? ceil - 14 : Infinity
      for (let y = CAVE_FLOOR; y <= ceil; y++) {
        const k = (y - yBase) >> 2
        const w = ((y - yBase) & 3) / 4
        const n = (k * 5 + j) * 5 + i
        let carve = false
        if (y <= cheeseTop) {
          // Caverns are a little larger deep down, as in vanilla.
          const threshold = y < 0 ? 0.5 : 0.56
          carve = lerp3(ch, n, u, v, w) > threshold
        }
        if (!carve) {
          const a = lerp3(fa, n, u, v, w)
          const b = lerp3(fb, n, u, v, w)
          let width = 0.075 + 0.04 * lerp3(fw, n, u, v, w)
          if (y > mouthFrom) width *= 1.7
          carve = a * a + b * b < width * width
        }
        if (carve) {
          const p = ((y + 64) << 8) | col
          if (blocks[p] !== states.water) blocks[p] = y <= LAVA_LEVEL ? states.lava : 0
        }
      }
    }
  }
}

function carveRavines (terrain, states, blocks, x0, z0, ravineCeil) {
  const ravines = terrain.ravinesNear(x0, z0, x0 + 15, z0 + 15)
  for (const rav of ravines) {
    for (let z = 0; z < 16; z++) {
      for (let x = 0; x < 16; x++) {
        const span = terrain.ravineSpan(rav, x0 + x, z0 + z)
        if (!span) continue
        const col = (z << 4) | x
        const lo = Math.max(span[0], CAVE_FLOOR)
        const hi = Math.min(span[1], ravineCeil[col])
        for (let y = lo; y <= hi; y++) {
          const p = ((y + 64) << 8) | col
          if (blocks[p] !== states.water) blocks[p] = y <= LAVA_LEVEL ? states.lava : 0
        }
      }
    }
  }
}

// Some chunks hold a small underground lava pool (lava below, an air pocket above), kept wholly inside
// the chunk so no neighbour needs to know about it.
function placeLavaPool (terrain, states, blocks, cx, cz) {
  const r = featureRandom(hash3(subSeed(terrain.seedInt, 50), cx, 0, cz))
  if (r.next() >= 0.25) return
  const rx = r.int(2, 4)
  const rz = r.int(2, 4)
  const ry = r.int(2, 3)
  const px = r.int(rx + 1, 14 - rx)
  const pz = r.int(rz + 1, 14 - rz)
  const py = r.int(-52, -8)
  for (let dy = -ry; dy <= ry; dy++) {
    for (let dz = -rz; dz <= rz; dz++) {
      for (let dx = -rx; dx <= rx; dx++) {
        const q = (dx * dx) / (rx * rx) + (dy * dy) / (ry * ry) + (dz * dz) / (rz * rz)
        if (q >= 1) continue
        const p = idx(px + dx, py + dy, pz + dz)
        if (blocks[p] === states.bedrock) continue
        blocks[p] = dy <= 0 ? states.lava : 0
      }
    }
  }
}

// Sugar cane on sand, grass or dirt at water level next to water; short grass and flowers on grass.
function decorate (terrain, states, blocks, x0, z0, hAt) {
  const seed = terrain.blockSeed
  for (let z = 0; z < 16; z++) {
    for (let x = 0; x < 16; x++) {
      const h = hAt(x, z)
      if (h < SEA_LEVEL || h > 300) continue
      const top = blocks[idx(x, h, z)]
      if (blocks[idx(x, h + 1, z)] !== 0) continue
      const wx = x0 + x
      const wz = z0 + z
      if (h === SEA_LEVEL && (top === states.sand || top === states.grass || top === states.dirt)) {
        const besideWater = hAt(x + 1, z) < SEA_LEVEL || hAt(x - 1, z) < SEA_LEVEL ||
          hAt(x, z + 1) < SEA_LEVEL || hAt(x, z - 1) < SEA_LEVEL
        if (besideWater && terrain.caneClump(wx, wz) > -0.15 && rand3(seed, wx, 6000, wz) < 0.45) {
          const tall = 1 + (hash3(seed, wx, 6001, wz) % 3)
          for (let y = h + 1; y <= h + tall; y++) blocks[idx(x, y, z)] = states.sugarCane
        }
        continue
      }
      if (top !== states.grass) continue
      const roll = rand3(seed, wx, 7000, wz)
      if (roll < 0.07) blocks[idx(x, h + 1, z)] = states.shortGrass
      else if (roll < 0.08) blocks[idx(x, h + 1, z)] = states.dandelion
      else if (roll < 0.088) blocks[idx(x, h + 1, z)] = states.poppy
    }
  }
}

// Oak and birch trees, including those standing in neighbouring chunks whose leaves reach in here.
// Logs win over leaves; where canopies overlap a leaf keeps the smaller distance to a log.
function placeTrees (terrain, states, blocks, x0, z0) {
  const c0x = Math.floor((x0 - 2) / TREE_CELL)
  const c1x = Math.floor((x0 + 17) / TREE_CELL)
  const c0z = Math.floor((z0 - 2) / TREE_CELL)
  const c1z = Math.floor((z0 + 17) / TREE_CELL)
  for (let cz = c0z; cz <= c1z; cz++) {
    for (let cx = c0x; cx <= c1x; cx++) {
      const t = terrain.treeAt(cx, cz)
      if (t) placeTree(states, blocks, t, x0, z0)
    }
  }
}

function placeTree (states, blocks, t, x0, z0) {
  const y0 = t.ground + 1
  const top = y0 + t.trunk - 1
  const log = states.logs[t.type]
  const leaves = states.leaves[t.type]
  let bit = 0
  for (let y = top - 2; y <= top + 1; y++) {
    const radius = y <= top - 1 ? 2 : 1
    for (let dz = -radius; dz <= radius; dz++) {
      for (let dx = -radius; dx <= radius; dx++) {
        const corner = Math.abs(dx) === radius && Math.abs(dz) === radius
        if (corner) {
          // Ragged corners as on vanilla blob foliage; none on the very top layer.
          const keep = y < top + 1 && ((t.shapeHash >>> (bit++ & 31)) & 1) === 1 && y !== top - 1
          if (!keep) continue
        }
        if (dx === 0 && dz === 0 && y <= top) continue // the trunk
        const x = t.x + dx - x0
        const z = t.z + dz - z0
        if (x < 0 || x > 15 || z < 0 || z > 15) continue
        const p = idx(x, y, z)
        const d = Math.abs(dx) + Math.abs(dz) + Math.max(0, y - top)
        const old = blocks[p]
        if (old === 0) blocks[p] = leaves[d]
        else if (states.leafDistance.has(old) && states.leafDistance.get(old) > d) blocks[p] = leaves[d]
      }
    }
  }
  const x = t.x - x0
  const z = t.z - z0
  if (x < 0 || x > 15 || z < 0 || z > 15) return
  for (let y = y0; y <= top; y++) {
    const p = idx(x, y, z)
    const old = blocks[p]
    if (old === 0 || states.plants.has(old) || states.leafDistance.has(old)) blocks[p] = log
  }
}

// Copies the array into a prismarine-chunk Chunk, with biomes and sky light (full above the highest
// non-air block of each column, so clients render a lit world).
function toChunk (Chunk, data) {
  const chunk = new Chunk({ minY: -64, worldHeight: HEIGHT })
  const { blocks, biomeCells } = data
  const pos = new Vec3(0, 0, 0)
  for (let s = 0; s < HEIGHT / 16; s++) {
    const start = s * 4096
    let any = false
    for (let i = start; i < start + 4096; i++) if (blocks[i] !== 0) { any = true; break }
    if (!any) continue
    for (let i = start; i < start + 4096; i++) {
      const st = blocks[i]
      if (st === 0) continue
      pos.x = i & 15
      pos.z = (i >> 4) & 15
      pos.y = (i >> 8) - 64
      chunk.setBlockStateId(pos, st)
    }
  }
  for (let bz = 0; bz < 4; bz++) {
    for (let bx = 0; bx < 4; bx++) {
      const biome = biomeCells[bz * 4 + bx]
      pos.x = bx * 4
      pos.z = bz * 4
      for (let y = -64; y < 320; y += 4) {
        pos.y = y
        chunk.setBiome(pos, biome)
      }
    }
  }
  for (let z = 0; z < 16; z++) {
    for (let x = 0; x < 16; x++) {
      let y = 319
      while (y > -64 && blocks[((y + 64) << 8) | (z << 4) | x] === 0) y--
      pos.x = x
      pos.z = z
      for (let yy = 319; yy > y; yy--) {
        pos.y = yy
        chunk.setSkyLight(pos, 15)
      }
    }
  }
  return chunk
}

module.exports = { blockStates, buildChunkData, toChunk, idx }
