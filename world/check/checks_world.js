'use strict'
// World generation: seeded and deterministic, terrain features the tech tree needs near spawn, ores in
// their vanilla bands, passive mobs that wander. Read from the server's world and, where it matters to the
// agent, from what the bot sees.
const path = require('path')
const { Vec3 } = require('vec3')
const { expect, sleep } = require('./util')
const { minecraft: VERSION } = require('../vanilla/versions.json')
const { scanRegion, oreCensus, oreBandViolations, SUGAR_CANE_SOIL, isLog } = require('./world_scan')

const GENERATOR = path.join(__dirname, '..', 'generator', 'index.js')
const SCAN_RADIUS_CHUNKS = 4 // 9x9 chunks = 144x144 blocks around spawn
const PASSIVE = ['cow', 'sheep', 'pig']

async function regionScan (ctx) {
  if (!ctx.cache.scan) {
    const center = ctx.spawn
    ctx.cache.scan = await scanRegion(ctx.serv.overworld, ctx.registry, center, SCAN_RADIUS_CHUNKS)
    ctx.cache.census = oreCensus(ctx.cache.scan)
    ctx.cache.census.generator = generatorCensus(ctx, center)
  }
  return ctx.cache.scan
}

/** The generator's own census of the same chunks (its oreCensus export), or {error}. */
function generatorCensus (ctx, center) {
  try {
    const { oreCensus: census } = require(GENERATOR)
    if (typeof census !== 'function') return { error: 'not available: the generator exports no oreCensus' }
    return census({ seed: ctx.seed, registry: ctx.registry, radiusChunks: SCAN_RADIUS_CHUNKS, centerChunkX: Math.floor(center.x / 16), centerChunkZ: Math.floor(center.z / 16) })
  } catch (err) {
    return { error: `generator oreCensus failed: ${err.message}` }
  }
}

/** Differences between the generator's census and the ores counted in the served chunks. */
function censusDisagreements (census) {
  const gen = census.generator
  if (!gen || gen.error) return [gen ? gen.error : 'no generator census']
  const out = []
  for (const [ore, c] of Object.entries(census.ores)) {
    const g = gen.variants?.[ore]
    if (!g) { out.push(`generator census has no ${ore}`); continue }
    if (g.stone !== c.stone_variant || g.deepslate !== c.deepslate_variant) {
      out.push(`${ore}: generator ${g.stone}+${g.deepslate}, served chunks ${c.stone_variant}+${c.deepslate_variant}`)
    }
  }
  return out
}

function nearest (points, from) {
  let best = null
  for (const p of points) {
    const d = Math.hypot(p.x - from.x, p.z - from.z)
    if (!best || d < best.d) best = { ...p, d }
  }
  return best
}

async function spawnOnSolidGround (ctx) {
  const { bot, fx } = ctx
  const feet = ctx.spawn.floored()
  const below = await fx.world().getBlock(feet.offset(0, -1, 0))
  const at = await fx.world().getBlock(feet)
  const head = await fx.world().getBlock(feet.offset(0, 1, 0))
  expect(below && below.boundingBox === 'block' && !['water', 'lava'].includes(below.name),
    `spawn ${feet} stands on ${below?.name} (needs a solid block)`)
  expect(at && at.boundingBox === 'empty' && !['water', 'lava'].includes(at.name), `spawn feet block is ${at?.name}`)
  expect(head && head.boundingBox === 'empty' && !['water', 'lava'].includes(head.name), `spawn head block is ${head?.name}`)
  const seen = bot.blockAt(feet.offset(0, -1, 0))
  expect(seen && seen.name === below.name, `bot sees ${seen?.name} under its feet, server has ${below.name}`)
  expect(ctx.spawnOnGround, `bot was not on the ground 2 s after spawning (y ${ctx.spawn.y} → ${ctx.spawnSettledY})`)
  return `spawn ${feet.x},${feet.y},${feet.z} on ${below.name}`
}

async function deterministic (ctx) {
  const { registry, seed } = ctx
  const make = s => require(GENERATOR)({ seed: s, version: VERSION, registry })
  const genA = make(seed)
  const genB = make(seed)
  const genOther = make(seed + 1)
  const sc = { x: Math.floor(ctx.spawn.x / 16), z: Math.floor(ctx.spawn.z / 16) }
  const coords = [[sc.x, sc.z], [sc.x + 5, sc.z - 3], [sc.x - 7, sc.z + 4], [40, -25]]
  let differs = 0
  for (const [x, z] of coords) {
    const a = (await genA(x, z)).dump()
    const b = (await genB(x, z)).dump()
    expect(a.equals(b), `seed ${seed}: chunk ${x},${z} differs between two generations`)
    if (!(await genOther(x, z)).dump().equals(a)) differs++
  }
  expect(differs > 0, `seed ${seed} and seed ${seed + 1} generate identical chunks`)
  // The server's copy of the spawn chunk is what the same seed generates (no hidden randomness).
  const served = (await ctx.serv.overworld.getColumn(sc.x, sc.z)).dump()
  expect(served.equals((await make(seed)(sc.x, sc.z)).dump()), 'the served spawn chunk differs from a fresh generation with the same seed')
  return `${coords.length} chunks identical per seed; seed+1 differs in ${differs}`
}

async function waterSandGravel (ctx) {
  const scan = await regionScan(ctx)
  const water = scan.count('water')
  const sand = scan.count('sand')
  const gravel = scan.count('gravel')
  const seen = ctx.bot.findBlock({ matching: ctx.registry.blocksByName.water.id, maxDistance: 64, useExtraInfo: false })
  const detail = `water ${water} (sources ${scan.stats.waterSources}), sand ${sand}, gravel ${gravel} in ${scan.chunks} chunks; bot sees water ${seen ? `at ${Math.round(seen.position.distanceTo(ctx.bot.entity.position))} blocks` : 'nowhere within 64'}`
  expect(scan.stats.waterSources > 0 && sand > 0 && gravel > 0, detail)
  expect(seen, detail)
  return detail
}

async function sugarCane (ctx) {
  const scan = await regionScan(ctx)
  const bases = scan.stats.sugarCaneBases
  expect(bases.length > 0, `no sugar cane in ${scan.chunks} chunks around spawn`)
  let byWater = 0
  const bad = []
  for (const b of bases) {
    const below = new Vec3(b.x, b.y - 1, b.z)
    let ok = SUGAR_CANE_SOIL.has(b.soil)
    if (ok) {
      ok = false
      for (const [dx, dz] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
        const n = await ctx.serv.overworld.getBlock(below.offset(dx, 0, dz))
        if (n && (n.name === 'water' || n.name === 'frosted_ice')) ok = true
      }
    }
    if (ok) byWater++
    else if (bad.length < 3) bad.push(`${b.x},${b.y},${b.z} on ${b.soil}`)
  }
  const near = nearest(bases, ctx.spawn)
  const detail = `${bases.length} sugar cane plants, ${byWater} on sand/dirt beside water, nearest ${Math.round(near.d)} blocks from spawn`
  expect(byWater === bases.length, `${detail}; not beside water: ${bad.join('; ')}`)
  return detail
}

async function trees (ctx) {
  const scan = await regionScan(ctx)
  const bases = scan.stats.treeBases
  const leaves = ctx.registry.blocksArray.filter(b => b.name.endsWith('_leaves')).reduce((n, b) => n + scan.count(b.name), 0)
  const logIds = ctx.registry.blocksArray.filter(b => isLog(b.name)).map(b => b.id)
  const seen = ctx.bot.findBlock({ matching: logIds, maxDistance: 64 })
  const near = nearest(bases, ctx.spawn)
  const detail = `${bases.length} trees (log on soil), ${leaves} leaves in ${scan.chunks} chunks; nearest ${near ? Math.round(near.d) : '-'} blocks; bot sees a log ${seen ? `at ${Math.round(seen.position.distanceTo(ctx.bot.entity.position))} blocks` : 'nowhere within 64'}`
  expect(bases.length >= 5 && leaves >= 20 * bases.length, detail)
  expect(seen, detail)
  return detail
}

async function stoneAndCaves (ctx) {
  const scan = await regionScan(ctx)
  const s = scan.stats
  const underground = s.columns * 40 // the order of magnitude of the volume scanned for caves
  const detail = `${s.surfaceStoneColumns} columns with stone on top, ${s.exposedStoneNearSurface} stone faces open to air near the surface, ${s.caveAir} cave-air blocks in ${scan.chunks} chunks`
  expect(s.surfaceStoneColumns + s.exposedStoneNearSurface > 0, `${detail}: no exposed stone`)
  expect(s.caveAir >= underground * 0.01, `${detail}: too few caves`)
  return detail
}

async function lavaAtDepth (ctx) {
  const scan = await regionScan(ctx)
  const deep = scan.lavaSourcesBetween(-64, -1)
  const shallow = scan.lavaSourcesBetween(0, 319)
  const detail = `${deep} lava sources below y=0, ${shallow} above, in ${scan.chunks} chunks`
  expect(deep > 0, detail)
  return detail
}

async function oreBands (ctx) {
  await regionScan(ctx)
  const census = ctx.cache.census
  const problems = [...oreBandViolations(ctx.cache.scan, census), ...censusDisagreements(census)]
  const summary = Object.entries(census.ores).map(([ore, c]) => `${ore} ${c.total}`).join(', ')
  expect(problems.length === 0, `${problems.slice(0, 4).join('; ')}${problems.length > 4 ? ` (+${problems.length - 4} more)` : ''} [${summary}]`)
  return `${summary} in ${census.chunks} chunks (served chunks agree with the generator's census)`
}

async function passiveMobs (ctx) {
  const { bot, serv } = ctx
  const serverMobs = Object.values(serv.entities).filter(e => PASSIVE.includes(e.name) && e.position.distanceTo(ctx.spawn) <= 64)
  const kinds = [...new Set(serverMobs.map(e => e.name))]
  const counts = PASSIVE.map(n => `${n} ${serverMobs.filter(e => e.name === n).length}`).join(', ')
  expect(serverMobs.length >= 3 && kinds.length >= 2 && kinds.includes('cow'),
    `within 64 blocks of spawn: ${counts} (need cows and at least 3 passive mobs of 2 kinds)`)
  const visible = () => Object.values(bot.entities).filter(e => PASSIVE.includes(e.name) && e.position.distanceTo(bot.entity.position) <= 64)
  const start = new Map(visible().map(e => [e.id, e.position.clone()]))
  expect(start.size > 0, `server has ${counts} near spawn but the bot sees none`)
  const startServer = new Map(serverMobs.map(e => [e.id, e.position.clone()]))
  await sleep(12000)
  const movedBot = visible().filter(e => start.has(e.id) && e.position.distanceTo(start.get(e.id)) >= 1).length
  const movedServer = serverMobs.filter(e => serv.entities[e.id] && e.position.distanceTo(startServer.get(e.id)) >= 1).length
  const detail = `${counts}; in 12 s ${movedServer}/${serverMobs.length} moved ≥1 block (bot saw ${movedBot}/${start.size})`
  expect(movedServer > 0 && movedBot > 0, `${detail}: mobs do not wander`)
  return detail
}

module.exports = [
  { mechanic: 'world.spawn_on_solid_ground', timeout: 20, fn: spawnOnSolidGround },
  { mechanic: 'world.seeded_deterministic', timeout: 60, fn: deterministic },
  { mechanic: 'world.water_sand_gravel', timeout: 90, fn: waterSandGravel },
  { mechanic: 'world.sugar_cane_beside_water', timeout: 30, fn: sugarCane },
  { mechanic: 'world.trees', timeout: 30, fn: trees },
  { mechanic: 'world.exposed_stone_and_caves', timeout: 30, fn: stoneAndCaves },
  { mechanic: 'world.lava_at_depth', timeout: 30, fn: lavaAtDepth },
  { mechanic: 'world.ore_bands', timeout: 30, fn: oreBands },
  { mechanic: 'mobs.passive_near_spawn_wander', timeout: 40, fn: passiveMobs }
]
module.exports.regionScan = regionScan
