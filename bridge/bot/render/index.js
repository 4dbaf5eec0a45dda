'use strict'
// First-person frames of what a mineflayer bot sees, ray cast in a worker thread with the real Minecraft
// 1.21.4 block textures. See README.md in this folder.
//
//   const { createRenderer } = require('./bridge/bot/render')
//   const r = createRenderer(bot, { width: 224, height: 224, fovDeg: 70, viewDistance: 48 })
//   const { rgb, labels, width, height, ms } = await r.render({ labels: true })
//   r.resize(320, 180); r.close()
const path = require('path')
const { Worker } = require('worker_threads')
const { ENTITY_LABEL_BASE } = require('./labels')

const MIN_SIZE = 16
const MAX_SIZE = 1024
const BLOCK_FLUSH = 4096 // block updates are batched; flushed before each frame or when this many are waiting

function checkSize (w, h) {
  for (const [name, v] of [['width', w], ['height', h]]) {
    if (!Number.isInteger(v) || v < MIN_SIZE || v > MAX_SIZE) throw new RangeError(`${name} must be an integer in ${MIN_SIZE}..${MAX_SIZE}, got ${v}`)
  }
}

/** Copy a prismarine-chunk (1.18+) column into a structured-cloneable message: palettes and packed longs. */
function serializeColumn (column) {
  const sections = column.sections.map(sec => {
    if (!sec) return null
    const c = sec.data
    if (c && c.data === undefined && typeof c.value === 'number') return { t: 0, v: c.value }
    const bits = c && c.data && c.data.bitsPerValue
    const ok = bits && c.data.data instanceof Uint32Array && c.data.valuesPerLong === Math.floor(64 / bits) && c.data.capacity === 4096
    if (ok && Array.isArray(c.palette)) return { t: 1, p: Uint32Array.from(c.palette), b: bits, d: c.data.data.slice() }
    if (ok && !c.palette) return { t: 2, b: bits, d: c.data.data.slice() }
    // unknown layout: read it through the public accessor
    const a = new Uint16Array(4096)
    const p = { x: 0, y: 0, z: 0 }
    for (let i = 0; i < 4096; i++) { p.x = i & 15; p.z = (i >> 4) & 15; p.y = i >> 8; a[i] = sec.get(p) }
    return { t: 3, a }
  })
  return { minY: column.minY ?? 0, height: column.worldHeight ?? sections.length * 16, sections }
}

function createRenderer (bot, options = {}) {
  let width = options.width ?? 224
  let height = options.height ?? 224
  checkSize(width, height)
  const fovDeg = options.fovDeg ?? 70
  const viewDistance = options.viewDistance ?? 48
  const worker = new Worker(path.join(__dirname, 'worker.js'))
  worker.unref() // the bot's connection keeps the process alive, not the renderer
  let closed = false
  let failure = null
  let nextId = 1
  const pending = new Map()
  let pendingBlocks = []
  let readyResolve
  const ready = new Promise(resolve => { readyResolve = resolve })
  let info = null

  const fail = err => {
    failure = err
    for (const { reject } of pending.values()) reject(err)
    pending.clear()
    readyResolve()
  }
  worker.on('message', msg => {
    if (msg.type === 'ready') { info = msg; readyResolve() } else if (msg.type === 'frame') {
      const p = pending.get(msg.id)
      if (!p) return
      pending.delete(msg.id)
      const rgb = Buffer.from(msg.rgb.buffer, msg.rgb.byteOffset, msg.rgb.byteLength)
      const labels = msg.labels ? Buffer.from(msg.labels.buffer, msg.labels.byteOffset, msg.labels.byteLength) : null
      p.resolve({ rgb, labels, width: msg.width, height: msg.height, ms: performance.now() - p.t0, renderMs: msg.renderMs, mainMs: p.mainMs })
    } else if (msg.type === 'stats') {
      const p = pending.get(msg.id)
      if (p) { pending.delete(msg.id); p.resolve(msg) }
    } else if (msg.type === 'error') {
      const p = pending.get(msg.id)
      if (p) { pending.delete(msg.id); p.reject(new Error(msg.message)) }
    } else if (msg.type === 'fatal') fail(new Error(`render worker failed: ${msg.message}`))
  })
  worker.on('error', err => fail(err))
  worker.on('exit', code => { if (!closed) fail(new Error(`render worker exited (${code})`)) })

  const post = (msg, transfer) => { if (!closed && !failure) worker.postMessage(msg, transfer) }

  // ---- world sync
  function sendColumn (cx, cz, column) {
    if (!column) return
    const m = serializeColumn(column)
    const transfer = []
    for (const s of m.sections) if (s && s.d) transfer.push(s.d.buffer)
    post({ type: 'column', cx, cz, ...m }, transfer)
  }
  function flushBlocks () {
    if (pendingBlocks.length === 0) return
    const blocks = Int32Array.from(pendingBlocks)
    pendingBlocks = []
    post({ type: 'blocks', blocks }, [blocks.buffer])
  }
  const onLoad = pos => {
    const cx = Math.floor(pos.x / 16); const cz = Math.floor(pos.z / 16)
    flushBlocks() // updates queued before the column's new contents are now stale either way
    sendColumn(cx, cz, bot.world && bot.world.getColumn(cx, cz))
  }
  const onUnload = pos => { flushBlocks(); post({ type: 'unload', cx: Math.floor(pos.x / 16), cz: Math.floor(pos.z / 16) }) }
  const onBlock = (oldBlock, newBlock) => {
    const b = newBlock || oldBlock
    if (!b || !b.position) return
    pendingBlocks.push(b.position.x, b.position.y, b.position.z, newBlock ? newBlock.stateId : 0)
    if (pendingBlocks.length >= BLOCK_FLUSH * 4) flushBlocks()
  }
  bot.on('chunkColumnLoad', onLoad)
  bot.on('chunkColumnUnload', onUnload)
  bot.on('blockUpdate', onBlock)
  if (bot.world && typeof bot.world.getColumns === 'function') {
    for (const { chunkX, chunkZ, column } of bot.world.getColumns()) sendColumn(Number(chunkX), Number(chunkZ), column)
  }

  // ---- frames
  function describeEntities (eye) {
    const out = []
    const reg = bot.registry
    const maxD2 = (viewDistance + 4) ** 2
    for (const e of Object.values(bot.entities || {})) {
      if (!e || e === bot.entity || !e.position || e.isValid === false) continue
      const p = e.position
      const d2 = (p.x - eye[0]) ** 2 + (p.y - eye[1]) ** 2 + (p.z - eye[2]) ** 2
      if (d2 > maxD2) continue
      const name = e.name || (e.type === 'player' ? 'player' : 'unknown')
      const def = reg && reg.entitiesByName && reg.entitiesByName[name]
      const desc = {
        x: p.x,
        y: p.y,
        z: p.z,
        yaw: e.yaw || 0,
        name,
        w: e.width || def?.width || 0.6,
        h: e.height || def?.height || 1.8,
        label: ENTITY_LABEL_BASE + (def ? def.id : 0x7fff)
      }
      if (name === 'item') {
        try { desc.item = e.getDroppedItem?.()?.name || null } catch (err) { desc.item = null }
        if (!desc.item) delete desc.item
      }
      const babyIndex = def && def.metadataKeys ? def.metadataKeys.indexOf('baby') : -1
      if (babyIndex >= 0 && e.metadata && e.metadata[babyIndex] === true) desc.baby = true
      out.push(desc)
    }
    return out
  }

  async function render ({ labels = false } = {}) {
    if (closed) throw new Error('renderer is closed')
    if (failure) throw failure
    await ready
    if (failure) throw failure
    if (!bot.entity || !bot.entity.position) throw new Error('the bot has not spawned')
    const t0 = performance.now()
    flushBlocks()
    const pos = bot.entity.position
    const eye = [pos.x, pos.y + (bot.entity.eyeHeight ?? 1.62), pos.z]
    let biome = null
    try { biome = bot.world.getBiome(pos.floored()) } catch (err) { biome = null }
    const id = nextId++
    const msg = {
      type: 'render',
      id,
      width,
      height,
      fovDeg,
      viewDistance,
      labels: !!labels,
      eye,
      yaw: bot.entity.yaw,
      pitch: bot.entity.pitch,
      timeOfDay: bot.time && typeof bot.time.timeOfDay === 'number' ? bot.time.timeOfDay : 6000,
      biome: typeof biome === 'number' ? biome : null,
      entities: describeEntities(eye)
    }
    const promise = new Promise((resolve, reject) => pending.set(id, { resolve, reject, t0, mainMs: 0 }))
    post(msg)
    pending.get(id).mainMs = performance.now() - t0
    return promise
  }

  function resize (w, h) {
    checkSize(w, h)
    width = w
    height = h
  }

  async function stats () {
    await ready
    const id = nextId++
    const promise = new Promise((resolve, reject) => pending.set(id, { resolve, reject }))
    post({ type: 'stats', id })
    return promise
  }

  async function close () {
    if (closed) return
    closed = true
    bot.off('chunkColumnLoad', onLoad)
    bot.off('chunkColumnUnload', onUnload)
    bot.off('blockUpdate', onBlock)
    for (const { reject } of pending.values()) reject(new Error('renderer closed'))
    pending.clear()
    readyResolve()
    await worker.terminate()
  }

  return {
    render,
    resize,
    close,
    stats,
    ready: () => ready.then(() => { if (failure) throw failure; return info }),
    get width () { return width },
    get height () { return height },
    get closed () { return closed },
    worker
  }
}

module.exports = { createRenderer, serializeColumn, ENTITY_LABEL_BASE }
