'use strict'
// The render worker: keeps its own copy of the blocks near the bot (fed by index.js with chunk columns and
// block updates) and ray casts frames on request, off the bot's event loop.
const { parentPort } = require('worker_threads')
const { Assets, ASSETS_DIR } = require('./assets')
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
  tables = assets.build()
  tables.entityTextures = loadEntityTextures(ASSETS_DIR)
  warmUp()
  parentPort.postMessage({ type: 'ready', ms: Date.now() - t0, types: tables.nTypes, textures: tables.nTex })
}

// Render a few small frames of a made-up scene so that the first real frame runs compiled code.
function warmUp () {
  const reg = assets.registry
  const id = name => reg.blocksByName[name].defaultState
  const col = new Uint16Array(384 * 256)
  for (let y = -64; y < 64; y++) {
    for (let i = 0; i < 256; i++) {
      const x = i & 15; const z = i >> 4
      let s = y < 60 ? id('stone') : y < 63 ? id('dirt') : id('grass_block')
      if (y >= 61 && x < 5) s = id('water')
      col[((y + 64) << 8) | i] = s
      if (y === 63 && x === 8 && z === 8) col[((y + 1 + 64) << 8) | i] = id('short_grass')
      if (y === 63 && x === 10 && z === 4) for (let k = 1; k < 6; k++) col[((y + k + 64) << 8) | i] = k < 4 ? id('oak_log') : id('oak_leaves')
    }
  }
  world.setColumn(0, 0, col, -64, 384)
  const out = { rgb: new Uint8Array(64 * 64 * 3), labels: new Uint16Array(64 * 64) }
  const cow = { x: 12, y: 64, z: 12, yaw: 1, name: 'cow', w: 0.9, h: 1.4, label: 1 }
  const n = Number(process.env.LARM_RENDER_WARMUP || 12)
  for (let k = 0; k < n; k++) {
    renderFrame(world, tables, { eye: [7.5, 65.6, 7.5], yaw: k * 0.52, pitch: -0.3, width: 64, height: 64, fovDeg: 70, viewDistance: 48, timeOfDay: 6000, entities: [cow] }, out)
  }
  world.clear()
  if (typeof global.gc === 'function' && process.env.LARM_RENDER_GC) global.gc()
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
