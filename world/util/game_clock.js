'use strict'
// One game clock for a Node process, K times faster than real time, that can stand still.
//
// Every time rule of the world and of the bot reads Node's clocks or waits on its timers: flying-squid's tick
// loop (setInterval 50 ms), its item pickup delays (Date.now), our dig-time checks (Date.now), mineflayer's
// physics (setInterval 50 ms, advancing by performance.now), its digging (setTimeout), the skills' deadlines
// and waits. Replacing those clocks and timers in the server's process and in the bridge's process makes both
// sides run on one clock K times faster, with no rule left behind. install() must run before any other
// module loads, since modules may keep their own reference to a timer function.
//
// The clock also stands still (pause/resume, freeze): the bot's own computing and the agent's thinking cost
// real time, which at K times real time would cost K times more game time. The bridge stops the world's clock
// and its own while it searches for a path and between skills, so that an episode takes the same game ticks
// at any K (world/plugins/clock_control.js carries the pause to the server).
//
// What must stay in real time (heartbeats, the frame stream a person watches) uses `real`.

const timers = require('node:timers')
const timersPromises = require('node:timers/promises')

const real = {
  now: Date.now,
  perfNow: performance.now.bind(performance),
  setTimeout: global.setTimeout,
  setInterval: global.setInterval,
  clearTimeout: global.clearTimeout,
  clearInterval: global.clearInterval,
  promises: { setTimeout: timersPromises.setTimeout, setInterval: timersPromises.setInterval }
}

const MAX_SPEED = 20 // beyond this a 50 ms tick is under 2.5 ms of real time: no machine keeps that pace with a bot
const TIMEOUT_MAX = 2 ** 31 - 1 // Node's bound: a longer or shorter delay is 1 ms
const MAX_LAG_MS = 1000 // game ms an interval may run behind and catch up (vanilla skips ticks beyond 2 s)

/** A speed from a command-line value: a finite number in (0, MAX_SPEED]; throws with the reason otherwise. */
function parseSpeed (text) {
  const k = Number(text)
  if (text === undefined || text === null || String(text).trim() === '' || !Number.isFinite(k) || k <= 0) {
    throw new Error(`bad --speed '${text}': a number above 0 (1 is real time)`)
  }
  if (k > MAX_SPEED) throw new Error(`bad --speed '${text}': at most ${MAX_SPEED}`)
  return k
}

// ---------------------------------------------------------------------------------------------- the clock

const clock = {
  installed: false,
  speed: 1,
  game0: 0, // game ms (performance.now's scale) at real0
  real0: 0,
  pauses: 0, // pause() calls not yet resumed
  frozenAt: null, // game ms while paused
  freezeReal0: null, // real ms when a freeze began: the clock runs at 1x real time inside it
  pausedRealMs: 0, // real ms spent paused, for the achieved speed
  pausedSince: 0,
  dateOffset: 0 // Date.now = performance.now + dateOffset
}

/** Game milliseconds on performance.now's scale. */
function gameNow () {
  if (clock.frozenAt === null) return clock.game0 + (real.perfNow() - clock.real0) * clock.speed
  if (clock.freezeReal0 !== null) return clock.frozenAt + (real.perfNow() - clock.freezeReal0)
  return clock.frozenAt
}

/** Stop the game clock (calls nest: the clock runs again after as many resume() calls). */
function pause () {
  if (!clock.installed) throw new Error('the game clock is not installed')
  if (clock.pauses++ > 0) return
  clock.frozenAt = gameNow()
  clock.pausedSince = real.perfNow()
  queue.disarm()
}

/** Let the game clock run again where pause() stopped it. */
function resume () {
  if (clock.pauses === 0) throw new Error('resume() without pause()')
  if (--clock.pauses > 0) return
  clock.game0 = clock.frozenAt
  clock.real0 = real.perfNow()
  clock.pausedRealMs += clock.real0 - clock.pausedSince
  clock.frozenAt = null
  queue.arm()
}

/**
 * Run `fn` (synchronous: no timer can fire during it) with the game clock stopped; inside, the clocks read
 * real time elapsed since the freeze began, so that a computation can keep to a budget of real milliseconds.
 */
function freeze (fn) {
  if (!clock.installed || clock.freezeReal0 !== null) return fn()
  pause()
  clock.freezeReal0 = real.perfNow()
  try {
    return fn()
  } finally {
    clock.freezeReal0 = null
    resume()
  }
}

// ----------------------------------------------------------------------------------------------- timers
// Timers wait in game time: a queue ordered by game due time, served by one real timer armed for the
// earliest; while the clock stands still the real timer is disarmed, and armed again on resume.

let nextId = 1

class GameTimer {
  constructor (fn, ms, args, repeat) {
    if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function')
    this.id = nextId++
    this.fn = fn
    this.args = args
    this.delay = Number(ms) >= 1 && Number(ms) <= TIMEOUT_MAX ? Number(ms) : 1
    this.repeat = repeat
    this.refed = true
    this.due = 0
    this.seq = 0
    this.active = false
  }

  ref () { this.refed = true; queue.keepAlive(); return this }
  unref () { this.refed = false; queue.keepAlive(); return this }
  hasRef () { return this.refed }
  refresh () { if (this.active) queue.remove(this); queue.add(this); return this }
  close () { queue.remove(this); return this }
  [Symbol.dispose] () { queue.remove(this) }
  [Symbol.toPrimitive] () { return this.id }
}

const queue = {
  items: [], // sorted by (due, seq); timers are few (tens), so a sorted array is enough
  byId: new Map(),
  seq: 0,
  master: null, // the real timer armed for the earliest item
  holder: null, // a real interval that keeps the process alive while paused with ref'd timers waiting

  add (t, due = gameNow() + t.delay) {
    t.due = due
    t.seq = this.seq++
    t.active = true
    let i = this.items.length
    while (i > 0 && (this.items[i - 1].due > t.due)) i--
    this.items.splice(i, 0, t)
    this.byId.set(t.id, t)
    if (i === 0) this.arm()
    else this.keepAlive()
  },

  remove (t) {
    if (!t.active) return
    t.active = false
    const i = this.items.indexOf(t)
    if (i >= 0) this.items.splice(i, 1)
    this.byId.delete(t.id)
    if (i === 0) this.arm()
    else this.keepAlive()
  },

  disarm () {
    if (this.master) real.clearTimeout(this.master)
    this.master = null
    this.keepAlive()
  },

  arm () {
    if (this.master) real.clearTimeout(this.master)
    this.master = null
    if (clock.frozenAt === null && this.items.length) {
      const wait = Math.max(0, (this.items[0].due - gameNow()) / clock.speed)
      this.master = real.setTimeout(() => this.fire(), Math.max(1, Math.ceil(wait)))
    }
    this.keepAlive()
  },

  /** The process stays alive while a ref'd timer waits, as with Node's own timers. */
  keepAlive () {
    const refed = this.items.some(t => t.refed)
    if (this.master) { if (refed) this.master.ref(); else this.master.unref() }
    const needHolder = refed && !this.master
    if (needHolder && !this.holder) this.holder = real.setInterval(() => {}, 1 << 30)
    if (!needHolder && this.holder) { real.clearInterval(this.holder); this.holder = null }
  },

  fire () {
    this.master = null
    while (this.items.length && clock.frozenAt === null && this.items[0].due <= gameNow()) {
      const t = this.items.shift()
      this.byId.delete(t.id)
      t.active = false
      // An interval keeps its beat (a due time every `delay` ms, late or not, as the server's ticks must)
      // unless it fell more than MAX_LAG_MS behind: then those beats are skipped, as vanilla does.
      if (t.repeat) this.add(t, Math.max(t.due + t.delay, gameNow() - MAX_LAG_MS))
      try {
        t.fn.apply(t, t.args)
      } catch (err) {
        process.nextTick(() => { throw err }) // as from a Node timer: to 'uncaughtException', the queue goes on
      }
    }
    this.arm()
  }
}

function gameSetTimeout (fn, ms, ...args) { const t = new GameTimer(fn, ms, args, false); queue.add(t); return t }
function gameSetInterval (fn, ms, ...args) { const t = new GameTimer(fn, ms, args, true); queue.add(t); return t }
function gameClear (timer) {
  if (timer instanceof GameTimer) return queue.remove(timer)
  if (typeof timer === 'number' || typeof timer === 'string') {
    const t = queue.byId.get(Number(timer))
    if (t) return queue.remove(t)
  }
  return real.clearTimeout(timer) // a real timer (heartbeats, the frame stream)
}

function gameSleep (ms, value, options = {}) {
  const { signal, ref = true } = options
  if (signal?.aborted) return Promise.reject(signal.reason ?? abortError())
  return new Promise((resolve, reject) => {
    const t = gameSetTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(value) }, ms)
    if (!ref) t.unref()
    function onAbort () { gameClear(t); reject(signal.reason ?? abortError()) }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

async function * gameTicks (ms, value, options = {}) {
  while (true) { await gameSleep(ms, undefined, options); yield value }
}

function abortError () {
  const err = new Error('The operation was aborted')
  err.name = 'AbortError'
  err.code = 'ABORT_ERR'
  return err
}

// ------------------------------------------------------------------------------------------- installing

/** Put this process on the game clock at `speed` times real time (once, before anything else loads). */
function install (speed) {
  const k = parseSpeed(speed)
  if (clock.installed) throw new Error('the game clock is already installed')
  Object.assign(clock, { installed: true, speed: k, game0: real.perfNow(), real0: real.perfNow() })
  clock.dateOffset = real.now() - clock.game0
  Date.now = () => Math.floor(gameNow() + clock.dateOffset)
  performance.now = gameNow
  global.setTimeout = timers.setTimeout = gameSetTimeout
  global.setInterval = timers.setInterval = gameSetInterval
  global.clearTimeout = timers.clearTimeout = gameClear
  global.clearInterval = timers.clearInterval = gameClear
  timersPromises.setTimeout = gameSleep
  timersPromises.setInterval = gameTicks
}

/** Whether this process runs on the game clock (the server's and the bridge's do; a test's may not). */
function installed () {
  return clock.installed
}

/** The speed installed in this process (1: real time). */
function speed () {
  return clock.speed
}

/** Whether the clock stands still now, and the real seconds it has stood still since install. */
function pausedState () {
  const now = clock.frozenAt === null ? 0 : real.perfNow() - clock.pausedSince
  return { paused: clock.frozenAt !== null, paused_real_s: (clock.pausedRealMs + now) / 1000 }
}

/** Install the clock from `--speed K` in argv (1 without it); returns K. */
function installFromArgv (argv = process.argv.slice(2)) {
  const i = argv.indexOf('--speed')
  install(i < 0 ? 1 : argv[i + 1])
  return clock.speed
}

module.exports = { install, installFromArgv, installed, parseSpeed, speed, pause, resume, freeze, pausedState, real, MAX_SPEED }
