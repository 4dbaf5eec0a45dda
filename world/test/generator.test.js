'use strict'
// The seeded survival world generator (world/generator): determinism, ore bands, what lies near spawn,
// leaf states, spawn on solid ground, speed, and a real bot spawning on the embedded server.
const test = require('node:test')
const assert = require('node:assert/strict')
const { once } = require('events')
const mineflayer = require('mineflayer')
const { Vec3 } = require('vec3')
const { minecraft: VERSION } = require('../vanilla/versions.json')
const registry = require('prismarine-registry')(VERSION)
const generator = require('../generator')
const { startEmbeddedServer } = require('../embedded_server')

const { ORE_BANDS, findSpawn, oreCensus, getWorld, SEA_LEVEL } = generator

function chunkCache (world) {
  const cache = new Map()
  const data = (cx, cz) => {
    const key = cx + ',' + cz
    if (!cache.has(key)) cache.set(key, world.chunkData(cx, cz))
    return cache.get(key)
  }
  // State id at world coordinates.
  data.at = (x, y, z) => {
    const cx = Math.floor(x / 16)
    const cz = Math.floor(z / 16)
    return data(cx, cz).blocks[((y + 64) << 8) | ((z - cz * 16) << 4) | (x - cx * 16)]
  }
  return data
}

// Every block within `radius` (horizontal) of (x, z): calls fn(state, x, y, z, distance).
function scanAround (data, x0, z0, radius, fn) {
  for (let cx = Math.floor((x0 - radius) / 16); cx <= Math.floor((x0 + radius) / 16); cx++) {
    for (let cz = Math.floor((z0 - radius) / 16); cz <= Math.floor((z0 + radius) / 16); cz++) {
      const { blocks } = data(cx, cz)
      for (let i = 0; i < blocks.length; i++) {
        const s = blocks[i]
        if (s === 0) continue
        const x = cx * 16 + (i & 15)
        const z = cz * 16 + ((i >> 4) & 15)
        const d = Math.hypot(x - x0, z - z0)
        if (d <= radius) fn(s, x, (i >> 8) - 64, z, d)
      }
    }
  }
}

test('same seed gives byte-identical chunks in any generation order; other seeds differ', () => {
  const a = generator({ seed: 4242, registry })
  const b = generator({ seed: 4242, registry })
  const c = generator({ seed: 4243, registry })
  const first = a(3, -2)
  // Generate neighbours (sharing trees, veins and ravines across borders) before asking b for the same chunk.
  for (const [x, z] of [[2, -2], [4, -2], [3, -1], [3, -3], [-7, 9]]) b(x, z)
  const second = b(3, -2)
  assert.ok(first.dump().equals(second.dump()), 'block data differs for the same seed')
  assert.deepEqual(first.dumpLight(), second.dumpLight())
  assert.ok(!first.dump().equals(c(3, -2).dump()), 'different seeds gave identical chunks')

  // The flat arrays too, across a few chunks and a big negative coordinate.
  const w1 = getWorld({ seed: 4242, registry })
  for (const [x, z] of [[0, 0], [-1, -1], [-300, 17]]) {
    assert.deepEqual(w1.chunkData(x, z).blocks, generator.getWorld({ seed: 4242, registry }).chunkData(x, z).blocks)
  }
  // String and huge seeds are accepted and deterministic.
  assert.ok(generator({ seed: 'hello', registry })(0, 0).dump().equals(generator({ seed: 'hello', registry })(0, 0).dump()))
  assert.ok(generator({ seed: 2 ** 40 + 5, registry })(1, 1).dump().length > 0)
})

test('ores stay in their vanilla bands, deepslate variants below y=0, stone variants above y=8', () => {
  const byState = new Map()
  for (const ore of Object.keys(ORE_BANDS)) {
    byState.set(registry.blocksByName[ore + '_ore'].defaultState, { ore, deep: false })
    byState.set(registry.blocksByName['deepslate_' + ore + '_ore'].defaultState, { ore, deep: true })
  }
  for (const seed of [1, 2]) {
    const world = getWorld({ seed, registry })
    const counts = {}
    for (let cx = -2; cx <= 2; cx++) {
      for (let cz = -2; cz <= 2; cz++) {
        const { blocks } = world.chunkData(cx, cz)
        for (let i = 0; i < blocks.length; i++) {
          const hit = byState.get(blocks[i])
          if (!hit) continue
          const y = (i >> 8) - 64
          const band = ORE_BANDS[hit.ore]
          assert.ok(y >= band.minY && y <= band.maxY, `${hit.ore} at y=${y} outside ${band.minY}..${band.maxY}`)
          if (y < 0) assert.ok(hit.deep, `${hit.ore} below y=0 is not the deepslate variant`)
          if (y >= 8) assert.ok(!hit.deep, `deepslate ${hit.ore} at y=${y}`)
          counts[hit.ore] = (counts[hit.ore] || 0) + 1
        }
      }
    }
    for (const ore of ['coal', 'copper', 'iron', 'gold', 'redstone', 'lapis', 'diamond']) {
      assert.ok(counts[ore] > 0, `seed ${seed}: no ${ore} in 25 chunks`)
    }
    // Vanilla-like abundance: iron tens per chunk, diamonds several per chunk.
    assert.ok(counts.iron / 25 > 20, `seed ${seed}: only ${counts.iron} iron in 25 chunks`)
    assert.ok(counts.diamond / 25 > 3, `seed ${seed}: only ${counts.diamond} diamonds in 25 chunks`)
  }
  // Ore veins are blobs, not single blocks: most diamond ores touch another diamond ore.
  const world = getWorld({ seed: 3, registry })
  const data = chunkCache(world)
  const diamond = new Set([registry.blocksByName.diamond_ore.defaultState, registry.blocksByName.deepslate_diamond_ore.defaultState])
  let total = 0
  let touching = 0
  scanAround(data, 8, 8, 20, (s, x, y, z) => {
    if (!diamond.has(s)) return
    total++
    const n = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]
    if (n.some(([dx, dy, dz]) => diamond.has(data.at(x + dx, y + dy, z + dz)))) touching++
  })
  assert.ok(total > 20 && touching / total > 0.5, `diamonds ${total}, in veins ${touching}`)
})

test('ore census reports counts per height band and totals', () => {
  const census = oreCensus({ seed: 5, registry, radiusChunks: 1 })
  assert.equal(census.chunks, 9)
  assert.ok(census.bands.length > 5)
  for (const ore of ['coal', 'iron', 'diamond']) {
    const sum = census.bands.reduce((n, b) => n + b.counts[ore], 0)
    assert.equal(sum, census.totals[ore])
    assert.ok(census.totals[ore] > 0)
  }
  assert.ok(census.bands.every(b => b.counts.diamond === 0 || b.minY < 16))
})

test('near spawn: water, trees, sugar cane beside water and exposed stone', () => {
  const name = s => registry.blocksByStateId[s].name
  for (const seed of [1, 2, 3, 4, 5]) {
    const world = getWorld({ seed, registry })
    const data = chunkCache(world)
    const spawn = findSpawn({ seed, registry })
    const sx = Math.floor(spawn.x)
    const sz = Math.floor(spawn.z)
    const nearest = {}
    const note = (what, d) => { if (!(nearest[what] <= d)) nearest[what] = d }
    scanAround(data, sx, sz, 64, (s, x, y, z, d) => {
      const n = name(s)
      if (n === 'water' && y === SEA_LEVEL) note('water', d)
      else if (n === 'oak_log' || n === 'birch_log') note('log', d)
      else if (n.endsWith('_leaves')) note('leaves', d)
      else if (n === 'sugar_cane') {
        // Sugar cane stands on sand, grass or dirt (or cane) with water beside the block it grows from.
        let base = y - 1
        while (name(data.at(x, base, z)) === 'sugar_cane') base--
        assert.ok(['sand', 'grass_block', 'dirt'].includes(name(data.at(x, base, z))), `cane on ${name(data.at(x, base, z))}`)
        const wet = [[1, 0], [-1, 0], [0, 1], [0, -1]].some(([dx, dz]) => name(data.at(x + dx, base, z + dz)) === 'water')
        assert.ok(wet, `sugar cane at ${x},${y},${z} without water beside its base`)
        assert.ok(y - base <= 3, 'sugar cane taller than 3')
        note('cane', d)
      } else if ((n === 'stone' || n.endsWith('_ore')) && data.at(x, y + 1, z) === 0 && d <= 32) {
        // Stone open to the sky: nothing but air above it.
        let open = true
        for (let yy = y + 1; yy < 200 && open; yy++) open = data.at(x, yy, z) === 0
        if (open) note('exposed stone', d)
      }
    })
    assert.ok(nearest.water <= 64, `seed ${seed}: no water within 64 (${JSON.stringify(nearest)})`)
    assert.ok(nearest.log <= 32, `seed ${seed}: no tree within 32 (${JSON.stringify(nearest)})`)
    assert.ok(nearest.leaves <= 32, `seed ${seed}: no leaves within 32`)
    assert.ok(nearest['exposed stone'] <= 32, `seed ${seed}: no exposed stone within 32 (${JSON.stringify(nearest)})`)
    assert.ok(nearest.cane <= 64, `seed ${seed}: no sugar cane within 64 (${JSON.stringify(nearest)})`)
  }
})

test('lakes and rivers hold: no water block has air beside or below it', () => {
  for (const seed of [1, 2]) {
    const world = getWorld({ seed, registry })
    const data = chunkCache(world)
    const water = world.states.water
    let count = 0
    scanAround(data, 0, 0, 56, (s, x, y, z) => {
      if (s !== water) return
      count++
      for (const [dx, dy, dz] of [[1, 0, 0], [-1, 0, 0], [0, 0, 1], [0, 0, -1], [0, -1, 0]]) {
        assert.notEqual(data.at(x + dx, y + dy, z + dz), 0, `seed ${seed}: water at ${x},${y},${z} would flow into air`)
      }
    })
    assert.ok(count > 1000, `seed ${seed}: only ${count} water blocks near the origin`)
  }
})

test('leaves are non-persistent with distances that lead back to a log', () => {
  const Block = require('prismarine-block')(registry)
  const world = getWorld({ seed: 6, registry })
  const data = chunkCache(world)
  const spawn = findSpawn({ seed: 6, registry })
  const logs = new Set([registry.blocksByName.oak_log.minStateId, registry.blocksByName.birch_log.minStateId].flatMap(m => [m, m + 1, m + 2]))
  const distanceOf = new Map()
  let leaves = 0
  // Check leaves of the central chunks only, so every neighbour looked at is generated too.
  scanAround(data, Math.floor(spawn.x), Math.floor(spawn.z), 40, (s, x, y, z) => {
    const b = Block.fromStateId(s)
    if (!b.name.endsWith('_leaves')) return
    leaves++
    let d = distanceOf.get(s)
    if (d === undefined) {
      const props = b.getProperties()
      assert.equal(props.persistent, false)
      assert.equal(props.waterlogged, false)
      d = Number(props.distance)
      assert.ok(d >= 1 && d <= 6, `leaf distance ${d} would decay`)
      distanceOf.set(s, d)
    }
    // A leaf at distance d touches a log (d = 1) or a leaf at distance d - 1.
    const around = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]].map(([dx, dy, dz]) => data.at(x + dx, y + dy, z + dz))
    const ok = d === 1
      ? around.some(n => logs.has(n))
      : around.some(n => {
        const nb = Block.fromStateId(n)
        return nb.name.endsWith('_leaves') && Number(nb.getProperties().distance) === d - 1
      })
    assert.ok(ok, `leaf at ${x},${y},${z} distance ${d} has no path to a log`)
  })
  assert.ok(leaves > 100, `only ${leaves} leaves near spawn`)
})

test('spawn point: solid block underfoot, two air blocks above, deterministic', () => {
  const solidish = s => {
    const b = registry.blocksByStateId[s]
    return b.boundingBox === 'block' && !b.name.endsWith('_leaves')
  }
  for (let seed = 1; seed <= 10; seed++) {
    const spawn = findSpawn({ seed, registry })
    assert.deepEqual(findSpawn({ seed, registry }), spawn)
    const data = chunkCache(getWorld({ seed, registry }))
    const x = Math.floor(spawn.x)
    const z = Math.floor(spawn.z)
    assert.ok(Math.abs(x) < 400 && Math.abs(z) < 400, `seed ${seed}: spawn far out at ${x},${z}`)
    assert.ok(solidish(data.at(x, spawn.y - 1, z)), `seed ${seed}: ${registry.blocksByStateId[data.at(x, spawn.y - 1, z)].name} underfoot`)
    assert.equal(data.at(x, spawn.y, z), 0, `seed ${seed}: feet not in air`)
    assert.equal(data.at(x, spawn.y + 1, z), 0, `seed ${seed}: head not in air`)
    assert.ok(spawn.y - 1 >= SEA_LEVEL, `seed ${seed}: spawn below sea level`)
  }
})

test('chunk generation is fast enough for on-demand loading', (t) => {
  const gen = generator({ seed: 777, registry })
  gen(100, 100) // warm up
  const started = process.hrtime.bigint()
  let n = 0
  for (let x = 0; x < 7; x++) for (let z = 0; z < 7; z++) { gen(x - 3, z + 40); n++ }
  const ms = Number(process.hrtime.bigint() - started) / 1e6 / n
  t.diagnostic(`ms per chunk: ${ms.toFixed(1)}`)
  assert.ok(ms < 60, `${ms.toFixed(1)} ms per chunk`)
})

test('a bot spawns on solid ground of the generated world and sees trees and water', { timeout: 90000 }, async () => {
  const seed = 3
  const serv = startEmbeddedServer({ port: 0, seed, world: 'survival', log: 'quiet' })
  await once(serv, 'ready') // plugins loaded and the socket listening
  const port = serv.listeningPort
  const bot = mineflayer.createBot({ host: '127.0.0.1', port, username: 'genbot', version: VERSION, auth: 'offline' })
  try {
    await once(bot, 'spawn')
    const expected = findSpawn({ seed, registry })
    // Wait until the chunks around the bot have arrived and it has settled.
    const deadline = Date.now() + 30000
    while (!bot.blockAt(bot.entity.position.offset(0, -1, 0)) && Date.now() < deadline) await bot.waitForTicks(5)
    await bot.waitForTicks(20)
    const pos = bot.entity.position
    assert.ok(Math.abs(pos.x - expected.x) < 1.5 && Math.abs(pos.z - expected.z) < 1.5, `bot at ${pos}, spawn ${JSON.stringify(expected)}`)
    const under = bot.blockAt(pos.offset(0, -0.5, 0).floored())
    assert.ok(under && under.boundingBox === 'block', `bot stands on ${under && under.name}`)
    assert.ok(bot.entity.onGround, 'bot is not on the ground')
    assert.equal(bot.blockAt(pos.floored()).name, 'air')

    const log = bot.findBlock({ matching: b => b.name === 'oak_log' || b.name === 'birch_log', maxDistance: 48 })
    assert.ok(log, 'no log within 48 blocks')
    const water = bot.findBlock({ matching: registry.blocksByName.water.id, maxDistance: 64 })
    assert.ok(water, 'no water within 64 blocks')
    // Sky light reaches the surface (clients render the world lit).
    assert.equal(bot.blockAt(pos.offset(0, 1, 0).floored()).skyLight, 15)

    // Death away from spawn: the bot respawns at the world spawn, with the world around it.
    const player = serv.players.find(p => p.username === 'genbot')
    player.sendSelfPosition(new Vec3(expected.x + 6, expected.y + 40, expected.z + 6))
    await bot.waitForTicks(10)
    assert.ok(bot.entity.position.y > expected.y + 30, 'fixture teleport did not arrive')
    const respawned = once(bot, 'spawn')
    player.updateHealth(0)
    await respawned
    const until = Date.now() + 20000
    while (!(Math.abs(bot.entity.position.x - expected.x) < 1.5 && bot.blockAt(bot.entity.position.offset(0, -1, 0))) && Date.now() < until) {
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    const back = bot.entity.position
    assert.equal(bot.health, 20)
    assert.ok(Math.abs(back.x - expected.x) < 1.5 && Math.abs(back.z - expected.z) < 1.5 && Math.abs(back.y - expected.y) < 2,
      `respawned at ${back}, spawn ${JSON.stringify(expected)}`)
    const ground = bot.blockAt(back.offset(0, -0.5, 0).floored())
    assert.ok(ground && ground.boundingBox === 'block', `after respawn the bot stands on ${ground && ground.name}`)
  } finally {
    bot.quit()
    await serv.stop()
  }
})
