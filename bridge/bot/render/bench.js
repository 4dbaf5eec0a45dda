'use strict'
// Frame renderer benchmark: a survival world (embedded server) and a bot in this process, N frames rendered
// back to back while the bot turns around, as the bridge would.
//   node bridge/bot/render/bench.js [--frames 200] [--width 224] [--height 224] [--labels] [--seed 1]
// Prints one JSON line: {fps, p50_ms, p99_ms, main_thread_ms_p50, width, height, ...}
const { monitorEventLoopDelay } = require('perf_hooks')
const { createRenderer } = require('./index')

function pct (xs, p) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))]
}
const r2 = x => Math.round(x * 100) / 100

async function main () {
  const args = process.argv.slice(2)
  const opt = (name, def) => { const i = args.indexOf('--' + name); return i >= 0 ? args[i + 1] : def }
  const frames = Number(opt('frames', 200))
  const width = Number(opt('width', 224))
  const height = Number(opt('height', 224))
  const labels = args.includes('--labels')
  const seed = Number(opt('seed', 1))
  const { startWorld, connectBot, stopWorld } = require('larm-world/test/helpers')
  const world = await startWorld({ seed, world: 'survival' })
  const bot = await connectBot(world.port, 'bencher')
  const renderer = createRenderer(bot, { width, height, fovDeg: 70, viewDistance: 48 })
  const info = await renderer.ready()
  await bot.waitForTicks(20)
  // warm up the JIT
  for (let i = 0; i < 10; i++) { await bot.look(i * 0.6, -0.2, true); await renderer.render({ labels }) }
  const lag = monitorEventLoopDelay({ resolution: 5 })
  lag.enable()
  const total = []; const main = []; const worker = []
  const t0 = performance.now()
  for (let i = 0; i < frames; i++) {
    // turn a full circle every 40 frames, pitch between -35 and +10 degrees
    const yaw = (i / 40) * 2 * Math.PI
    const pitch = (-12 + 22 * Math.sin(i / 13)) * Math.PI / 180
    await bot.look(yaw, pitch, true)
    const f = await renderer.render({ labels })
    total.push(f.ms); main.push(f.mainMs); worker.push(f.renderMs)
  }
  const elapsed = (performance.now() - t0) / 1000
  lag.disable()
  // the same time with the bot turning but no frames: the event loop delay of the server + bot alone
  const idle = monitorEventLoopDelay({ resolution: 5 })
  idle.enable()
  const t1 = performance.now()
  for (let i = 0; performance.now() - t1 < elapsed * 1000; i++) {
    await bot.look(i / 40 * 2 * Math.PI, 0, true)
    await new Promise(resolve => setTimeout(resolve, 1000 / 30))
  }
  idle.disable()
  const out = {
    fps: r2(frames / elapsed),
    p50_ms: r2(pct(total, 50)),
    p99_ms: r2(pct(total, 99)),
    main_thread_ms_p50: r2(pct(main, 50)),
    main_thread_ms_p99: r2(pct(main, 99)),
    worker_render_ms_p50: r2(pct(worker, 50)),
    event_loop_delay_p99_ms: r2(lag.percentile(99) / 1e6),
    event_loop_delay_p99_ms_without_frames: r2(idle.percentile(99) / 1e6),
    width,
    height,
    labels,
    frames,
    worker_init_ms: info.ms
  }
  console.log(JSON.stringify(out))
  await renderer.close()
  await stopWorld(world, bot)
  process.exit(0)
}

main().catch(err => { console.error(err); process.exit(1) })
