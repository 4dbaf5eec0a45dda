'use strict'
// One pass over the generated chunks around spawn, read straight from the server's world: block counts per
// height, the surface height of every column, exposed stone, cave air, sugar cane bases and tree bases.
// The world-generation checks and the ore census are computed from it.
const MIN_Y = -64
const HEIGHT = 384

const STONE_FAMILY = new Set(['stone', 'deepslate', 'andesite', 'diorite', 'granite', 'tuff', 'cobblestone', 'cobbled_deepslate'])
const NOT_GROUND = new Set(['air', 'cave_air', 'void_air', 'water', 'lava', 'short_grass', 'tall_grass', 'fern', 'large_fern',
  'sugar_cane', 'snow', 'dandelion', 'poppy', 'seagrass', 'tall_seagrass', 'kelp', 'kelp_plant', 'dead_bush', 'vine'])
const SOIL = new Set(['dirt', 'grass_block', 'podzol', 'coarse_dirt', 'rooted_dirt', 'mycelium', 'moss_block'])
const SUGAR_CANE_SOIL = new Set([...SOIL, 'sand', 'red_sand', 'suspicious_sand'])

const isLog = name => name.endsWith('_log') && !name.startsWith('stripped_')
const isLeaves = name => name.endsWith('_leaves')
const isAir = name => name === 'air' || name === 'cave_air'

/**
 * Scan the (2r+1)² chunks around the chunk holding `center`. Returns
 * {chunks, radius, center, volume, count(name, yMin?, yMax?), countWhere(pred, yMin?, yMax?), surface stats...}.
 */
async function scanRegion (world, registry, center, radius) {
  const names = registry.blocksArray.map(b => b.name)
  const stateToBlock = new Int32Array(registry.blocksArray.reduce((m, b) => Math.max(m, b.maxStateId), 0) + 1)
  for (const b of registry.blocksArray) for (let s = b.minStateId; s <= b.maxStateId; s++) stateToBlock[s] = b.id
  const byId = []
  for (const b of registry.blocksArray) byId[b.id] = b
  const counts = new Int32Array((byId.length + 1) * HEIGHT)
  const lavaSourceState = registry.blocksByName.lava.defaultState
  const waterSourceState = registry.blocksByName.water.defaultState
  const lavaSources = new Int32Array(HEIGHT)

  const ccx = Math.floor(center.x / 16)
  const ccz = Math.floor(center.z / 16)
  const stats = {
    columns: 0,
    surfaceStoneColumns: 0,
    exposedStoneNearSurface: 0,
    caveAir: 0,
    waterSources: 0,
    sugarCaneBases: [],
    treeBases: [],
    surfaceHeights: []
  }
  const pos = { x: 0, y: 0, z: 0 }
  const column = new Int32Array(HEIGHT) // block ids of one column, reused

  for (let cx = ccx - radius; cx <= ccx + radius; cx++) {
    for (let cz = ccz - radius; cz <= ccz + radius; cz++) {
      const chunk = await world.getColumn(cx, cz)
      // Block ids for the whole chunk, so that neighbours inside the chunk are cheap to look up.
      const ids = new Int32Array(16 * 16 * HEIGHT)
      for (let y = 0; y < HEIGHT; y++) {
        pos.y = y + MIN_Y
        for (let z = 0; z < 16; z++) {
          pos.z = z
          for (let x = 0; x < 16; x++) {
            pos.x = x
            const state = chunk.getBlockStateId(pos)
            const id = stateToBlock[state]
            ids[(y * 16 + z) * 16 + x] = id
            counts[id * HEIGHT + y]++
            if (state === lavaSourceState) lavaSources[y]++
            else if (state === waterSourceState) stats.waterSources++
          }
        }
      }
      const idAt = (x, y, z) => ids[(y * 16 + z) * 16 + x]
      for (let z = 0; z < 16; z++) {
        for (let x = 0; x < 16; x++) {
          for (let y = 0; y < HEIGHT; y++) column[y] = idAt(x, y, z)
          scanColumn(cx * 16 + x, cz * 16 + z, x, z, column, idAt)
        }
      }
    }
  }

  function scanColumn (wx, wz, x, z, col, idAt) {
    stats.columns++
    let surface = -1
    for (let y = HEIGHT - 1; y >= 0; y--) {
      const name = names[col[y]]
      if (!NOT_GROUND.has(name) && !isLeaves(name) && !isLog(name)) { surface = y; break }
    }
    stats.surfaceHeights.push(surface + MIN_Y)
    if (surface >= 0 && STONE_FAMILY.has(names[col[surface]])) stats.surfaceStoneColumns++
    for (let y = 1; y < HEIGHT - 1; y++) {
      const name = names[col[y]]
      if (isAir(name) && y < surface - 4) stats.caveAir++
      if (name === 'sugar_cane' && names[col[y - 1]] !== 'sugar_cane') {
        stats.sugarCaneBases.push({ x: wx, y: y + MIN_Y, z: wz, soil: names[col[y - 1]] })
      }
      if (isLog(name) && SOIL.has(names[col[y - 1]])) stats.treeBases.push({ x: wx, y: y + MIN_Y, z: wz, log: name })
      if (STONE_FAMILY.has(name) && y >= surface - 6 && touchesAir(x, y, z, idAt)) stats.exposedStoneNearSurface++
    }
  }

  function touchesAir (x, y, z, idAt) {
    const n = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]
    for (const [dx, dy, dz] of n) {
      const nx = x + dx; const ny = y + dy; const nz = z + dz
      if (nx < 0 || nx > 15 || nz < 0 || nz > 15 || ny < 0 || ny >= HEIGHT) continue
      if (isAir(names[idAt(nx, ny, nz)])) return true
    }
    return false
  }

  function count (name, yMin = MIN_Y, yMax = MIN_Y + HEIGHT - 1) {
    const block = registry.blocksByName[name]
    if (!block) return 0
    let total = 0
    for (let y = Math.max(yMin, MIN_Y); y <= Math.min(yMax, MIN_Y + HEIGHT - 1); y++) total += counts[block.id * HEIGHT + y - MIN_Y]
    return total
  }

  function lavaSourcesBetween (yMin, yMax) {
    let total = 0
    for (let y = Math.max(yMin, MIN_Y); y <= Math.min(yMax, MIN_Y + HEIGHT - 1); y++) total += lavaSources[y - MIN_Y]
    return total
  }

  /** Lowest and highest y where `name` occurs, or null. */
  function yRange (name) {
    const block = registry.blocksByName[name]
    if (!block) return null
    let lo = null; let hi = null
    for (let y = 0; y < HEIGHT; y++) {
      if (counts[block.id * HEIGHT + y] > 0) {
        if (lo === null) lo = y + MIN_Y
        hi = y + MIN_Y
      }
    }
    return lo === null ? null : [lo, hi]
  }

  return {
    radius,
    chunks: (2 * radius + 1) ** 2,
    center: { x: center.x, z: center.z },
    area: { x: [(ccx - radius) * 16, (ccx + radius + 1) * 16 - 1], z: [(ccz - radius) * 16, (ccz + radius + 1) * 16 - 1] },
    stats,
    count,
    yRange,
    lavaSourcesBetween
  }
}

// Vanilla 1.18+ ore placement (Minecraft Java 1.21), both the stone and the deepslate variant together.
// yMin/yMax: where the ore may occur at all (outside badlands and mountains).
const ORES = {
  coal: { yMin: 0, yMax: 320 },
  copper: { yMin: -16, yMax: 112 },
  iron: { yMin: -64, yMax: 320 },
  gold: { yMin: -64, yMax: 32 },
  redstone: { yMin: -64, yMax: 15 },
  lapis: { yMin: -64, yMax: 64 },
  diamond: { yMin: -64, yMax: 16 }
}
const BANDS = [[-64, -33], [-32, -1], [0, 15], [16, 31], [32, 63], [64, 127], [128, 319]]
const DEEPSLATE_TOP = 8 // deepslate (and deepslate ores) fade out between y=0 and y=8

/** Ore counts per height band over a scanned region, stone and deepslate variants separately. */
function oreCensus (scan) {
  const ores = {}
  for (const ore of Object.keys(ORES)) {
    const stoneName = `${ore}_ore`
    const deepName = `deepslate_${ore}_ore`
    const bands = BANDS.map(([lo, hi]) => scan.count(stoneName, lo, hi) + scan.count(deepName, lo, hi))
    ores[ore] = {
      total: scan.count(stoneName) + scan.count(deepName),
      stone_variant: scan.count(stoneName),
      deepslate_variant: scan.count(deepName),
      y_range: mergeRanges(scan.yRange(stoneName), scan.yRange(deepName)),
      bands
    }
  }
  return {
    chunks: scan.chunks,
    area: scan.area,
    bands: BANDS.map(([lo, hi]) => `${lo}..${hi}`),
    ores
  }
}

function mergeRanges (a, b) {
  if (!a) return b
  if (!b) return a
  return [Math.min(a[0], b[0]), Math.max(a[1], b[1])]
}

/** Vanilla rules the census must satisfy; returns a list of violations (empty when it passes). */
function oreBandViolations (scan, census) {
  const problems = []
  for (const [ore, rule] of Object.entries(ORES)) {
    const c = census.ores[ore]
    if (c.total === 0) {
      problems.push(`no ${ore} ore in ${scan.chunks} chunks`)
      continue
    }
    const outside = scan.count(`${ore}_ore`, -64, rule.yMin - 1) + scan.count(`${ore}_ore`, rule.yMax + 1, 320) +
      scan.count(`deepslate_${ore}_ore`, -64, rule.yMin - 1) + scan.count(`deepslate_${ore}_ore`, rule.yMax + 1, 320)
    if (outside > 0) problems.push(`${ore}: ${outside} blocks outside vanilla y ${rule.yMin}..${rule.yMax} (found ${c.y_range.join('..')})`)
    const stoneBelow = scan.count(`${ore}_ore`, -64, -1)
    const deepAbove = scan.count(`deepslate_${ore}_ore`, DEEPSLATE_TOP + 1, 320)
    if (stoneBelow > 0) problems.push(`${ore}: ${stoneBelow} stone-variant ores below y=0 (vanilla: deepslate variant there)`)
    if (deepAbove > 0) problems.push(`${ore}: ${deepAbove} deepslate-variant ores above y=${DEEPSLATE_TOP}`)
  }
  const diamondLow = scan.count('diamond_ore', -64, -33) + scan.count('deepslate_diamond_ore', -64, -33)
  const diamondHigh = scan.count('diamond_ore', -32, 16) + scan.count('deepslate_diamond_ore', -32, 16)
  if (census.ores.diamond.total > 0 && diamondLow <= diamondHigh) {
    problems.push(`diamond: ${diamondLow} below y=-32 vs ${diamondHigh} in -32..16 (vanilla: more the deeper)`)
  }
  const deepBelow = scan.count('deepslate', -64, -1)
  const stoneBelow = scan.count('stone', -64, -1)
  if (deepBelow <= 10 * stoneBelow) problems.push(`below y=0: ${deepBelow} deepslate vs ${stoneBelow} stone (vanilla: deepslate)`)
  const deepAbove = scan.count('deepslate', DEEPSLATE_TOP + 1, 320)
  if (deepAbove > 0) problems.push(`${deepAbove} deepslate blocks above y=${DEEPSLATE_TOP}`)
  return problems
}

module.exports = { scanRegion, oreCensus, oreBandViolations, ORES, BANDS, SUGAR_CANE_SOIL, isLog, isLeaves }
