'use strict'
// Small async helpers shared by the checks.

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

/** A failed expectation: the check's row shows `message`. */
class CheckFailure extends Error {}

function expect (condition, message) {
  if (!condition) throw new CheckFailure(message)
}

/** Poll `predicate` (sync or async) every 50 ms until it is truthy; reject after `ms` naming `what`. */
async function waitFor (predicate, ms, what) {
  const deadline = Date.now() + ms
  for (;;) {
    let value
    try { value = await predicate() } catch { value = false }
    if (value) return value
    if (Date.now() >= deadline) throw new CheckFailure(`timed out after ${(ms / 1000).toFixed(1)} s waiting for ${what}`)
    await sleep(50)
  }
}

/** Resolve with the event's arguments, or reject after `ms`. */
function onceWithin (emitter, event, ms, filter = () => true) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.removeListener(event, listener)
      reject(new CheckFailure(`no '${event}' event within ${(ms / 1000).toFixed(1)} s`))
    }, ms)
    function listener (...args) {
      if (!filter(...args)) return
      clearTimeout(timer)
      emitter.removeListener(event, listener)
      resolve(args)
    }
    emitter.on(event, listener)
  })
}

/** Run `promise` but give up after `ms` with a CheckFailure naming `what`. */
function within (promise, ms, what) {
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new CheckFailure(`${what} did not finish within ${(ms / 1000).toFixed(1)} s`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** {name: count} over a list of {name, count}. */
function tally (items) {
  const out = {}
  for (const it of items) if (it) out[it.name] = (out[it.name] || 0) + Number(it.count) // flying-squid's /give stores a string count
  return out
}

function formatTally (t) {
  const keys = Object.keys(t).sort()
  return keys.length ? keys.map(k => `${k}×${t[k]}`).join(', ') : 'nothing'
}

module.exports = { sleep, CheckFailure, expect, waitFor, onceWithin, within, tally, formatTally }
