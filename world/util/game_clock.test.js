'use strict'
// The game clock in a child process of its own (it replaces the process's clocks and timers): speed, pause,
// resume, freeze, and timers that wait in game time.
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')

/** Run `body` in a fresh Node process with the clock installed at `speed`; it prints one JSON line. */
function run (speed, body) {
  const script = `const clock = require(${JSON.stringify(require.resolve('./game_clock'))})\nclock.install(${speed})\n${body}`
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000 }))
}

test('a pause stops game time and timers; resume goes on where it stopped', () => {
  const r = run(10, `
    const real0 = clock.real.perfNow()
    let lateTimer = null
    setTimeout(() => { lateTimer = clock.pausedState().paused ? 'during the pause' : 'after it' }, 1500)
    setTimeout(() => {
      clock.pause()
      const frozen = performance.now()
      clock.real.setTimeout(() => {
        const still = performance.now() - frozen
        clock.resume()
        const real = clock.real.perfNow() - real0
        setTimeout(() => console.log(JSON.stringify({ still, real, lateTimer, paused: clock.pausedState() })), 600)
      }, 300)
    }, 1000) // 100 ms of real time at K = 10`)
  assert.equal(r.lateTimer, 'after it')
  assert.equal(r.still, 0)
  assert.ok(r.real >= 390 && r.real < 1000, `1000 game ms then a 300 ms pause took ${r.real} ms`)
  assert.ok(r.paused.paused_real_s >= 0.29 && !r.paused.paused, JSON.stringify(r.paused))
})

test('timers due during a pause fire after it, in order, at their game time', () => {
  const r = run(5, `
    const fired = []
    const game0 = performance.now()
    setTimeout(() => fired.push(['b', performance.now() - game0]), 200)
    setTimeout(() => fired.push(['a', performance.now() - game0]), 100)
    setTimeout(() => fired.push(['c', performance.now() - game0]), 200)
    clock.pause()
    clock.real.setTimeout(() => clock.resume(), 200)
    setTimeout(() => console.log(JSON.stringify(fired)), 400)`)
  assert.deepEqual(r.map(f => f[0]), ['a', 'b', 'c'])
  for (const [name, at] of r) assert.ok(at >= (name === 'a' ? 100 : 200) && at < 300, `${name} at game ${at} ms`)
})

test('inside a freeze the clocks read real time; after it no game time has passed', () => {
  const r = run(16, `
    const before = performance.now()
    const inside = clock.freeze(() => {
      const a = performance.now(), s = clock.real.perfNow()
      while (clock.real.perfNow() - s < 60) {}
      return performance.now() - a
    })
    const after = performance.now() - before
    console.log(JSON.stringify({ inside, after }))`)
  assert.ok(r.inside >= 60 && r.inside < 200, `a 60 ms computation read ${r.inside} ms (real time, not x16)`)
  assert.ok(r.after < 16, `${r.after} game ms passed across a freeze`)
})

test('timers are cleared by handle or by number, unref lets the process end, intervals repeat', () => {
  const r = run(4, `
    const fired = []
    const a = setTimeout(() => fired.push('cleared by handle'), 50); clearTimeout(a)
    const b = setTimeout(() => fired.push('cleared by number'), 50); clearTimeout(Number(b))
    setTimeout(() => fired.push('unref'), 60000).unref()
    let n = 0
    const iv = setInterval(() => { fired.push('tick'); if (++n === 3) clearInterval(iv) }, 40)
    process.on('exit', () => console.log(JSON.stringify(fired)))`)
  assert.deepEqual(r, ['tick', 'tick', 'tick'])
})

test('timers/promises wait in game time and honour an abort', () => {
  const r = run(8, `
    const { setTimeout: sleep } = require('node:timers/promises')
    const real0 = clock.real.perfNow()
    ;(async () => {
      await sleep(800)
      const waited = clock.real.perfNow() - real0
      const ac = new AbortController()
      const p = sleep(10000, null, { signal: ac.signal }).catch(err => err.name)
      ac.abort()
      console.log(JSON.stringify({ waited, aborted: await p }))
    })()`)
  assert.ok(r.waited >= 90 && r.waited < 500, `800 game ms at K = 8 took ${r.waited} real ms`)
  assert.equal(r.aborted, 'AbortError')
})

test('an interval keeps its beat in game time when real timers are coarse (the server ticks 20 times a game second)', () => {
  const r = run(16, `
    let ticks = 0
    const iv = setInterval(() => { ticks++ }, 50) // 3.125 ms of real time: Node's timers wake in whole ms
    setTimeout(() => { clearInterval(iv); console.log(JSON.stringify({ ticks })) }, 4025)`)
  assert.ok(r.ticks >= 78 && r.ticks <= 81, `${r.ticks} ticks in 4 game seconds (80 expected)`)
})
