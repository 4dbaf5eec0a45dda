'use strict'
// Save rendered frames as PNG files to look at them.
//   node bridge/bot/render/save_png.js [--out /tmp/frames] [--seed 1] [--world survival] [--size 224] [--views N]
// Starts the embedded world and a bot, then saves one frame per view direction (yaw 0, 90, 180, 270 degrees,
// level and tilted down), plus a label visualisation for the first one.
const fs = require('fs')
const path = require('path')
const { PNG } = require('pngjs')
const { createRenderer } = require('./index')

function savePng (file, rgb, width, height) {
  const png = new PNG({ width, height })
  for (let i = 0; i < width * height; i++) {
    png.data[i * 4] = rgb[i * 3]; png.data[i * 4 + 1] = rgb[i * 3 + 1]; png.data[i * 4 + 2] = rgb[i * 3 + 2]; png.data[i * 4 + 3] = 255
  }
  fs.writeFileSync(file, PNG.sync.write(png))
}

function labelsToRgb (labels, width, height) {
  const rgb = Buffer.alloc(width * height * 3)
  for (let i = 0; i < width * height; i++) {
    const v = labels.readUInt16LE(i * 2)
    if (v === 0) continue
    const h = Math.imul(v, 2654435761) >>> 0
    rgb[i * 3] = 64 + (h & 127); rgb[i * 3 + 1] = 64 + ((h >> 8) & 127); rgb[i * 3 + 2] = 64 + ((h >> 16) & 127)
  }
  return rgb
}

async function main () {
  const args = process.argv.slice(2)
  const opt = (name, def) => { const i = args.indexOf('--' + name); return i >= 0 ? args[i + 1] : def }
  const out = opt('out', '/tmp/frames')
  const size = Number(opt('size', 224))
  const seed = Number(opt('seed', 1))
  const worldKind = opt('world', 'survival')
  const time = opt('time', null)
  fs.mkdirSync(out, { recursive: true })
  const { startWorld, connectBot, stopWorld } = require('larm-world/test/helpers')
  const world = await startWorld({ seed, world: worldKind })
  const bot = await connectBot(world.port, 'painter')
  if (time !== null) world.serv.setTime?.(Number(time))
  const r = createRenderer(bot, { width: size, height: Number(opt('height', size)), fovDeg: 70, viewDistance: 48 })
  await r.ready()
  await bot.waitForTicks(20)
  const views = [[0, 0], [90, 0], [180, 0], [270, 0], [0, -30], [180, -30]]
  for (const [yawDeg, pitchDeg] of views) {
    await bot.look(yawDeg * Math.PI / 180, pitchDeg * Math.PI / 180, true)
    const f = await r.render({ labels: true })
    const name = `view_yaw${yawDeg}_pitch${pitchDeg}`
    savePng(path.join(out, name + '.png'), f.rgb, f.width, f.height)
    savePng(path.join(out, name + '_labels.png'), labelsToRgb(f.labels, f.width, f.height), f.width, f.height)
    console.log(JSON.stringify({ file: path.join(out, name + '.png'), ms: Math.round(f.ms), renderMs: Math.round(f.renderMs) }))
  }
  await r.close()
  await stopWorld(world, bot)
  process.exit(0)
}

if (require.main === module) main().catch(err => { console.error(err); process.exit(1) })
module.exports = { savePng, labelsToRgb }
