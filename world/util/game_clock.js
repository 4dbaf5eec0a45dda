'use strict'
// One game clock for a Node process, K times faster than real time.
//
// Every time rule of the world and of the bot reads Node's clocks or waits on its timers: flying-squid's tick
// loop (setInterval 50 ms), its item pickup delays (Date.now), our dig-time checks (Date.now), mineflayer's
// physics (setInterval 50 ms, advancing by performance.now), its digging (setTimeout), the skills' deadlines
// and waits. Scaling those clocks and timers in the server's process and in the bridge's process makes both
// sides run on one clock K times faster, with no rule left behind; game logic then sees the same durations
// in game time at any K. install() must run before any other module loads, since modules may keep their own
// reference to a timer function.
//
// What must stay in real time (the frame stream a person watches) uses `real`.

const timers = require('node:timers')
const timersPromises = require('node:timers/promises')

const real = {
  now: Date.now,
  perfNow: performance.now.bind(performance),
  setTimeout: global.setTimeout,
  setInterval: global.setInterval,
  promises: { setTimeout: timersPromises.setTimeout, setInterval: timersPromises.setInterval }
}

const MAX_SPEED = 20 // beyond this a 50 ms tick is under 2.5 ms of real time: no machine keeps that pace with a bot

let current = 1

/** A speed from a command-line value: a finite number in (0, MAX_SPEED]; throws with the reason otherwise. */
function parseSpeed (text) {
  const k = Number(text)
  if (text === undefined || text === null || String(text).trim() === '' || !Number.isFinite(k) || k <= 0) {
    throw new Error(`bad --speed '${text}': a number above 0 (1 is real time)`)
  }
  if (k > MAX_SPEED) throw new Error(`bad --speed '${text}': at most ${MAX_SPEED}`)
  return k
}

/** Run this process's clocks and timers `speed` times faster than real time (once, before anything else). */
function install (speed) {
  const k = parseSpeed(speed)
  if (current !== 1) throw new Error('the game clock is already installed')
  current = k
  if (k === 1) return
  const perf0 = real.perfNow()
  const date0 = real.now()
  const scaled = ms => Math.max(0, Number(ms) || 0) / k
  Date.now = () => Math.floor(date0 + (real.perfNow() - perf0) * k)
  performance.now = () => perf0 + (real.perfNow() - perf0) * k
  const setTimeoutK = function (fn, ms, ...args) { return real.setTimeout(fn, scaled(ms), ...args) }
  const setIntervalK = function (fn, ms, ...args) { return real.setInterval(fn, scaled(ms), ...args) }
  global.setTimeout = timers.setTimeout = setTimeoutK
  global.setInterval = timers.setInterval = setIntervalK
  timersPromises.setTimeout = (ms, ...rest) => real.promises.setTimeout(scaled(ms), ...rest)
  timersPromises.setInterval = (ms, ...rest) => real.promises.setInterval(scaled(ms), ...rest)
}

/** The speed installed in this process (1: real time). */
function speed () {
  return current
}

/** Install the clock from `--speed K` in argv (the one argument read before the rest are parsed); returns K. */
function installFromArgv (argv = process.argv.slice(2)) {
  const i = argv.indexOf('--speed')
  if (i < 0) return 1
  install(argv[i + 1])
  return current
}

module.exports = { install, installFromArgv, parseSpeed, speed, real, MAX_SPEED }
