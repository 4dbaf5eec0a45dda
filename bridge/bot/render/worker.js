'use strict'
// The render worker: keeps its own copy of the blocks near the bot (fed by index.js with chunk columns and
// block updates) and ray casts frames on request, off the bot's event loop.
const { parentPort } = require('worker_threads')
const { Assets, ASSETS_DIR, buildTablesCached } = require('./assets')
const { loadEntityTextures } = require('./entities')
const { World, decodeColumn, renderFrame } = require('./raycast')

let assets = null
let tables = null
const world = new World()
const itemColours = new Map()
const biomeTints = new Map()

function init () {
  const t0 = Date.now()
  assets = new Assets()
  tables = buildTablesCached(assets)
  tables.entityTextures = loadEntityTextures(ASSETS_DIR)
  warmUp()
  parentPort.postMessage({ type: 'ready', ms: Date.now() - t0, types: tables.nTypes, textures: tables.nTex })
}

// Render small frames of a made-up scene that has every kind of surface (cubes, cut-outs, plants, slabs,
// water, lava, entities, unloaded neighbours) so that the first real frame runs optimised code.
function warmUp () {
  const reg = assets.registry
  const id = name => reg.blocksByName[name].defaultState
  const pick = ['stone', 'dirt', 'sand', 'oak_log', 'oak_leaves', 'glass', 'short_grass', 'poppy', 'sugar_cane', 'oak_slab',
    'torch', 'oak_stairs', 'wheat', 'crafting_table', 'furnace', 'lava', 'water', 'seagrass', 'coal_ore']
  for (let cx = -1; cx <= 1; cx++) {
    for (let cz = -1; cz <= 1; cz++) {
      if (cx === 1 && cz === 1) continue // an unloaded column
      const col = new Uint16Array(384 * 256)
      for (let i = 0; i < 256; i++) {
        const x = i & 15; const z = i >> 4
        const h = 60 + ((x * 7 + z * 3 + cx * 5 + cz * 11) % 5)
        for (let y = -64; y <= h; y++) col[((y + 64) << 8) | i] = y < h - 3 ? id('stone') : y < h ? id('dirt') : id('grass_block')
        if ((x + z) % 3 === 0) col[((h + 1 + 64) << 8) | i] = id(pick[(x * 3 + z + cx + cz * 2 + 9) % pick.length])
        if (x < 4 && z < 4) for (let y = h - 2; y <= h; y++) col[((y + 64) << 8) | i] = id('water')
        if (x === 12 && z === 12) for (let y = h + 1; y < h + 7; y++) col[((y + 64) << 8) | i] = y < h + 4 ? id('oak_log') : id('oak_leaves')
      }
      world.setColumn(cx, cz, col, -64, 384)
    }
  }
  const out = { rgb: new Uint8Array(64 * 64 * 3), labels: new Uint16Array(64 * 64) }
  const entities = [
    { x: 4, y: 65, z: 4, yaw: 1, name: 'cow', w: 0.9, h: 1.4, label: 0x8001 },
    { x: 10, y: 65, z: 2, yaw: 2, name: 'sheep', w: 0.9, h: 1.3, label: 0x8002 },
    { x: 3, y: 65, z: 12, yaw: 0, name: 'item', w: 0.25, h: 0.25, label: 0x8003, colour: 0x808080 },
    { x: 8, y: 65, z: 14, yaw: 0, name: 'zombie', w: 0.6, h: 1.95, label: 0x8004 }
  ]
  const n = 24
  for (let k = 0; k < n; k++) {
    const eye = k % 6 === 5 ? [1.5, 62.5, 1.5] : [7.5 + (k % 3), 67.6, 7.5 - (k % 4)] // sometimes under water
    renderFrame(world, tables, { eye, yaw: k * 0.9, pitch: -0.6 + (k % 5) * 0.35, width: 64, height: 64, fovDeg: 70, viewDistance: 48, timeOfDay: k * 1000, entities }, out)
  }
  world.clear()
}

function itemColour (name) {
  if (!itemColours.has(name)) {
    const [r, g, b] = assets.itemColour(name)
    itemColours.set(name, (Math.round(r) << 16) | (Math.round(g) << 8) | Math.round(b))
  }
  return itemColours.get(name)
}

function tintsFor (biomeId) {
  if (!biomeTints.has(biomeId)) biomeTints.set(biomeId, assets.biomeTints(assets.registry.biomes[biomeId]))
  return biomeTints.get(biomeId)
}

function render (msg) {
  const t0 = performance.now()
  const { width, height } = msg
  const out = { rgb: new Uint8Array(width * height * 3), labels: msg.labels ? new Uint16Array(width * height) : null }
  const entities = (msg.entities || []).map(e => (e.item ? { ...e, colour: itemColour(e.item) } : e))
  renderFrame(world, tables, {
    eye: msg.eye,
    yaw: msg.yaw,
    pitch: msg.pitch,
    width,
    height,
    fovDeg: msg.fovDeg,
    viewDistance: msg.viewDistance,
    timeOfDay: msg.timeOfDay,
    tints: msg.biome == null ? null : tintsFor(msg.biome),
    entities
  }, out)
  const ms = performance.now() - t0
  const transfer = [out.rgb.buffer]
  if (out.labels) transfer.push(out.labels.buffer)
  parentPort.postMessage({ type: 'frame', id: msg.id, rgb: out.rgb, labels: out.labels, width, height, renderMs: ms }, transfer)
}

parentPort.on('message', msg => {
  try {
    switch (msg.type) {
      case 'column':
        world.setColumn(msg.cx, msg.cz, decodeColumn(msg), msg.minY, msg.height)
        break
      case 'unload':
        world.unload(msg.cx, msg.cz)
        break
      case 'blocks': {
        const b = msg.blocks
        for (let i = 0; i < b.length; i += 4) world.setBlock(b[i], b[i + 1], b[i + 2], b[i + 3])
        break
      }
      case 'clear':
        world.clear()
        break
      case 'render':
        render(msg)
        break
      case 'stats':
        parentPort.postMessage({ type: 'stats', id: msg.id, columns: world.count, topY: world.topY })
        break
    }
  } catch (err) {
    parentPort.postMessage({ type: 'error', id: msg.id, message: err.stack || String(err) })
  }
})

try {
  init()
} catch (err) {
  parentPort.postMessage({ type: 'fatal', message: err.stack || String(err) })
}
