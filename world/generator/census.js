'use strict'
// Ore census for the check-world report: generates the chunks around a centre chunk and counts every ore
// block per 16-block height band, in stone and deepslate variants together.
const { getWorld } = require('./world')
const { ORES } = require('./ores')

const BAND = 16

function oreCensus ({ seed, registry, radiusChunks = 4, centerChunkX = 0, centerChunkZ = 0 } = {}) {
  const world = getWorld({ seed, registry })
  const { states } = world
  const oreOf = new Map() // state id -> [ore name, variant]
  for (const ore of ORES) {
    oreOf.set(states.ores[ore].stone, [ore, 'stone'])
    oreOf.set(states.ores[ore].deepslate, [ore, 'deepslate'])
  }
  const bands = []
  for (let y = -64; y < 320; y += BAND) {
    const counts = {}
    for (const ore of ORES) counts[ore] = 0
    bands.push({ minY: y, maxY: y + BAND - 1, counts })
  }
  const totals = {}
  const variants = {}
  for (const ore of ORES) {
    totals[ore] = 0
    variants[ore] = { stone: 0, deepslate: 0 }
  }
  let chunks = 0
  const started = process.hrtime.bigint()
  for (let cx = centerChunkX - radiusChunks; cx <= centerChunkX + radiusChunks; cx++) {
    for (let cz = centerChunkZ - radiusChunks; cz <= centerChunkZ + radiusChunks; cz++) {
      const { blocks } = world.chunkData(cx, cz)
      chunks++
      for (let i = 0; i < blocks.length; i++) {
        const hit = oreOf.get(blocks[i])
        if (!hit) continue
        const y = (i >> 8) - 64
        const [ore, variant] = hit
        bands[(y + 64) >> 4].counts[ore]++
        totals[ore]++
        variants[ore][variant]++
      }
    }
  }
  const msPerChunk = Number(process.hrtime.bigint() - started) / 1e6 / chunks
  const perChunk = {}
  for (const ore of ORES) perChunk[ore] = Math.round(totals[ore] / chunks * 100) / 100
  return {
    seed,
    radiusChunks,
    center: { chunkX: centerChunkX, chunkZ: centerChunkZ },
    chunks,
    bandSize: BAND,
    bands: bands.filter(b => ORES.some(o => b.counts[o] > 0)),
    totals,
    perChunk,
    variants,
    msPerChunk: Math.round(msPerChunk * 10) / 10
  }
}

module.exports = { oreCensus }

// CLI: node census.js [--seed N] [--radius R]  prints the census as JSON.
if (require.main === module) {
  const args = process.argv.slice(2)
  const opt = (name, def) => {
    const i = args.indexOf(name)
    return i >= 0 && i + 1 < args.length ? args[i + 1] : def
  }
  const seedArg = opt('--seed', '1')
  const seed = /^-?\d+$/.test(seedArg) ? Number(seedArg) : seedArg
  const radiusChunks = Number(opt('--radius', '4'))
  process.stdout.write(JSON.stringify(oreCensus({ seed, radiusChunks }), null, 1) + '\n')
}
