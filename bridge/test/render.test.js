'use strict'
// The first-person frame renderer (bridge/bot/render): a ray caster in a worker thread fed with the bot's
// chunk columns and block updates. Scenes are set up server-side with fixtures; the bot looks through
// mineflayer's own API and the frames are checked pixel by pixel against the blocks placed.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const { PNG } = require('pngjs')
const { startWorld, connectBot, setBlockFixture, waitFor, stopWorld, Vec3 } = require('larm-world/test/helpers')
const { createRenderer, serializeColumn } = require('../bot/render')
const { ASSETS_DIR, Assets } = require('../bot/render/assets')
const { World, decodeColumn, renderFrame } = require('../bot/render/raycast')
const { ENTITY_LABEL_BASE } = require('../bot/render/labels')

function textureAverage (name) {
  const png = PNG.sync.read(fs.readFileSync(path.join(ASSETS_DIR, 'blocks', name + '.png')))
  const s = [0, 0, 0]
  for (let i = 0; i < 256; i++) for (let c = 0; c < 3; c++) s[c] += png.data[i * 4 + c]
  return s.map(v => v / 256)
}

/** Labels and mean colour over a rectangle of a frame (fractions of width/height). */
function region (frame, x0, y0, x1, y1) {
  const counts = new Map()
  const sums = new Map()
  for (let y = Math.floor(y0 * frame.height); y < Math.floor(y1 * frame.height); y++) {
    for (let x = Math.floor(x0 * frame.width); x < Math.floor(x1 * frame.width); x++) {
      const i = y * frame.width + x
      const l = frame.labels.readUInt16LE(i * 2)
      counts.set(l, (counts.get(l) || 0) + 1)
      const s = sums.get(l) || [0, 0, 0]
      for (let c = 0; c < 3; c++) s[c] += frame.rgb[i * 3 + c]
      sums.set(l, s)
    }
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0)
  const frac = l => (counts.get(l) || 0) / total
  const mean = l => (sums.get(l) || [0, 0, 0]).map(v => v / (counts.get(l) || 1))
  return { counts, frac, mean, total }
}

async function noon (serv, bot) {
  serv.setTime(6000)
  await waitFor(() => Math.abs(bot.time.timeOfDay - 6000) < 200, 5000, 'noon')
}

test('renderer on the flat stage', { timeout: 120000 }, async (t) => {
  const world = await startWorld({ world: 'flat' })
  const { serv } = world
  const bot = await connectBot(world.port, 'painter')
  const reg = bot.registry
  const renderer = createRenderer(bot, { width: 96, height: 96, fovDeg: 70, viewDistance: 48 })
  try {
    await renderer.ready()
    await noon(serv, bot)
    const feet = bot.entity.position.floored()

    await t.test('a wall in front: labels and texture colours, not mirrored', async () => {
      // 6 blocks north of the bot: gold on the west half, diamond on the east half, 7 high
      const z = feet.z - 6
      for (let x = feet.x - 6; x <= feet.x + 6; x++) {
        for (let y = feet.y; y < feet.y + 7; y++) {
          await setBlockFixture(serv, new Vec3(x, y, z), x < feet.x ? 'gold_block' : x > feet.x ? 'diamond_block' : 'stone')
        }
      }
      await waitFor(() => bot.blockAt(new Vec3(feet.x + 6, feet.y + 6, z))?.name === 'diamond_block', 5000, 'the wall')
      await bot.lookAt(new Vec3(feet.x + 0.5, feet.y + 3.5, z + 1), true) // the wall's south face, middle
      assert.ok(Math.abs(Math.sin(bot.entity.yaw)) < 0.3 && Math.cos(bot.entity.yaw) > 0.9, `yaw ${bot.entity.yaw} faces north`)
      const f = await renderer.render({ labels: true })
      assert.equal(f.width, 96)
      assert.equal(f.height, 96)
      assert.equal(f.rgb.length, 96 * 96 * 3)
      assert.equal(f.labels.length, 96 * 96 * 2)
      const gold = reg.blocksByName.gold_block.id
      const diamond = reg.blocksByName.diamond_block.id
      const left = region(f, 0.1, 0.3, 0.4, 0.7)
      const right = region(f, 0.6, 0.3, 0.9, 0.7)
      assert.ok(left.frac(gold) > 0.9, `left of centre is gold: ${left.frac(gold)}`)
      assert.ok(right.frac(diamond) > 0.9, `right of centre (east) is diamond: ${right.frac(diamond)}`)
      // colours: the texture average, shaded as a side face (0.8) at noon
      const expectGold = textureAverage('gold_block').map(v => v * 0.8)
      const expectDiamond = textureAverage('diamond_block').map(v => v * 0.8)
      const g = left.mean(gold); const d = right.mean(diamond)
      for (let c = 0; c < 3; c++) {
        assert.ok(Math.abs(g[c] - expectGold[c]) < 25, `gold colour ${g} vs ${expectGold}`)
        assert.ok(Math.abs(d[c] - expectDiamond[c]) < 25, `diamond colour ${d} vs ${expectDiamond}`)
      }
      // up is up: the top rows see sky above the 7-high wall only when looking up; the bottom rows see grass
      await bot.lookAt(new Vec3(feet.x + 0.5, feet.y + 12, z + 1), true)
      const up = await renderer.render({ labels: true })
      assert.ok(region(up, 0, 0, 1, 0.1).frac(0) > 0.9, 'sky at the top of the frame')
      assert.ok(region(up, 0.2, 0.9, 0.8, 1).frac(0) < 0.1, 'the wall at the bottom of the frame')
    })

    await t.test('looking straight up shows sky, straight down shows grass', async () => {
      await bot.look(0, Math.PI / 2 - 0.01, true)
      const up = await renderer.render({ labels: true })
      assert.ok(region(up, 0, 0, 1, 1).frac(0) > 0.99, 'all sky')
      // sky is blue-ish at noon
      const sky = region(up, 0.4, 0.4, 0.6, 0.6).mean(0)
      assert.ok(sky[2] > sky[0] + 40, `sky colour ${sky}`)
      await bot.look(0, -Math.PI / 2 + 0.01, true)
      const down = await renderer.render({ labels: true })
      assert.ok(region(down, 0.3, 0.3, 0.7, 0.7).frac(reg.blocksByName.grass_block.id) > 0.95, 'grass under the feet')
    })

    await t.test('block updates reach the renderer', async () => {
      const pos = feet.offset(0, -1, -2)
      await setBlockFixture(serv, pos, 'diamond_block')
      await waitFor(() => bot.blockAt(pos)?.name === 'diamond_block', 5000, 'the diamond block')
      await bot.lookAt(pos.offset(0.5, 1, 0.5), true)
      const f = await renderer.render({ labels: true })
      assert.equal(f.labels.readUInt16LE(((f.height >> 1) * f.width + (f.width >> 1)) * 2), reg.blocksByName.diamond_block.id)
      await setBlockFixture(serv, pos, 'air')
      await waitFor(() => bot.blockAt(pos)?.name === 'air', 5000, 'air')
      const g = await renderer.render({ labels: true })
      assert.notEqual(g.labels.readUInt16LE(((g.height >> 1) * g.width + (g.width >> 1)) * 2), reg.blocksByName.diamond_block.id)
    })

    await t.test('a cow is drawn and labelled as an entity', async () => {
      const at = new Vec3(feet.x + 0.5, feet.y, feet.z + 4.5)
      const mob = serv.mobs.spawn('cow', serv.overworld, at, { yaw: 0 })
      assert.ok(mob, 'cow spawned')
      await waitFor(() => Object.values(bot.entities).some(e => e.name === 'cow' && e.position.distanceTo(at) < 3), 5000, 'the cow')
      const cow = Object.values(bot.entities).find(e => e.name === 'cow' && e.position.distanceTo(at) < 3)
      await bot.lookAt(cow.position.offset(0, 0.9, 0), true)
      const f = await renderer.render({ labels: true })
      const label = ENTITY_LABEL_BASE + reg.entitiesByName.cow.id
      assert.ok(region(f, 0.4, 0.4, 0.6, 0.6).frac(label) > 0.5, 'the cow fills the centre')
    })

    await t.test('sizes and resize', async () => {
      renderer.resize(32, 48)
      const f = await renderer.render({ labels: false })
      assert.equal(f.width, 32)
      assert.equal(f.height, 48)
      assert.equal(f.rgb.length, 32 * 48 * 3)
      assert.equal(f.labels, null)
      assert.ok(typeof f.ms === 'number' && f.ms > 0)
      renderer.resize(16, 16)
      assert.equal((await renderer.render({ labels: true })).labels.length, 16 * 16 * 2)
      for (const [w, h] of [[15, 16], [16, 1025], [1.5, 20], ['64', 64]]) assert.throws(() => renderer.resize(w, h), RangeError)
      assert.throws(() => createRenderer(bot, { width: 8, height: 8 }), RangeError)
      renderer.resize(224, 224)
      const big = await renderer.render({ labels: true })
      assert.equal(big.rgb.length, 224 * 224 * 3)
    })

    await t.test('close terminates the worker', async () => {
      let exited = false
      renderer.worker.once('exit', () => { exited = true })
      await renderer.close()
      await waitFor(() => exited, 5000, 'the worker to exit')
      assert.equal(renderer.worker.threadId, -1)
      await assert.rejects(renderer.render(), /closed/)
    })
  } finally {
    await renderer.close()
    await stopWorld(world, bot)
  }
})

test('renderer on the survival world (seed 1)', { timeout: 120000 }, async (t) => {
  const world = await startWorld({ seed: 1, world: 'survival' })
  const bot = await connectBot(world.port, 'painter')
  const renderer = createRenderer(bot, { width: 129, height: 129 }) // odd: the centre pixel is the view axis
  try {
    await renderer.ready()
    await bot.waitForTicks(10)
    const stats = await renderer.stats()
    assert.ok(stats.columns >= 25, `${stats.columns} columns in the worker`)
    for (const yaw of [0, Math.PI / 2, Math.PI, -Math.PI / 2]) {
      await bot.look(yaw, -0.2, true)
      const f = await renderer.render({ labels: true })
      const labels = new Set()
      for (let i = 0; i < f.width * f.height; i++) labels.add(f.labels.readUInt16LE(i * 2))
      assert.ok(labels.size >= 3, `distinct labels at yaw ${yaw}: ${[...labels]}`)
      const colours = new Set()
      for (let i = 0; i < f.width * f.height; i++) colours.add((f.rgb[i * 3] >> 4) * 256 + (f.rgb[i * 3 + 1] >> 4) * 16 + (f.rgb[i * 3 + 2] >> 4))
      assert.ok(colours.size >= 20, `${colours.size} colours`)
      // the centre pixel agrees with mineflayer's own ray cast from the eyes
      const cursor = bot.blockAtCursor(40)
      const centre = f.labels.readUInt16LE(((f.height >> 1) * f.width + (f.width >> 1)) * 2)
      if (cursor && cursor.boundingBox === 'block' && !cursor.transparent && centre < ENTITY_LABEL_BASE && bot.registry.blocks[centre]?.boundingBox === 'block') {
        const near = new Set()
        for (let y = -1; y <= 1; y++) for (let x = -1; x <= 1; x++) near.add(f.labels.readUInt16LE((((f.height >> 1) + y) * f.width + (f.width >> 1) + x) * 2))
        assert.ok(near.has(cursor.type), `centre pixels ${[...near]} vs blockAtCursor ${cursor.name} (${cursor.type})`)
      }
    }

    await t.test('the worker\'s copy of the columns matches mineflayer\'s, the column skip changes no pixel', () => {
      const copy = new World()
      for (const { chunkX, chunkZ, column } of bot.world.getColumns()) {
        const m = serializeColumn(column)
        copy.setColumn(Number(chunkX), Number(chunkZ), decodeColumn(m), m.minY, m.height)
      }
      const p = bot.entity.position.floored()
      let checked = 0
      for (let x = p.x - 40; x <= p.x + 40; x += 3) {
        for (let z = p.z - 40; z <= p.z + 40; z += 5) {
          for (let y = -64; y < 120; y += 7) {
            const s = bot.world.getBlockStateId(new Vec3(x, y, z))
            if (s === undefined || s === null) continue
            assert.equal(copy.getState(x, y, z), s, `state at ${x} ${y} ${z}`)
            checked++
          }
        }
      }
      assert.ok(checked > 10000, `${checked} blocks compared`)
      const tables = new Assets(bot.registry).build()
      const e = bot.entity.position
      for (const [yaw, pitch] of [[0.3, 0], [2, -0.4], [4, 0.2]]) {
        const params = { eye: [e.x, e.y + 1.62, e.z], yaw, pitch, width: 96, height: 64, fovDeg: 70, viewDistance: 48, timeOfDay: 6000 }
        const a = renderFrame(copy, tables, params, { rgb: new Uint8Array(96 * 64 * 3), labels: new Uint16Array(96 * 64) })
        const b = renderFrame(copy, tables, { ...params, columnSkip: false }, { rgb: new Uint8Array(96 * 64 * 3), labels: new Uint16Array(96 * 64) })
        assert.deepEqual(a.labels, b.labels)
        assert.deepEqual(a.rgb, b.rgb)
      }
    })
  } finally {
    await renderer.close()
    await stopWorld(world, bot)
  }
})
