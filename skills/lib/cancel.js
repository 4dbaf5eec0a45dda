'use strict'
// How a skill stops cleanly: waits and mineflayer calls that end the moment the skill is aborted (cancel,
// deadline, disconnect, death all abort through its signal), and stopping the bot's motion.

function stopMotion (bot) {
  try { bot.pathfinder?.stop() } catch {}
  try { bot.pathfinder?.setGoal(null) } catch {}
  try { if (bot.targetDigBlock) bot.stopDigging() } catch {}
  try { bot.clearControlStates() } catch {}
}

function throwIfAborted (signal) {
  if (signal.aborted) throw signal.reason
}

/** Sleep that ends early (rejecting) when the skill is aborted. */
function sleep (signal, ms) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve() }, ms)
    function onAbort () { clearTimeout(t); reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Run a promise-returning mineflayer call; on abort, run `onAbort` (stop digging, close window) and reject. */
function abortable (signal, promise, onAbort = () => {}) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) { onAbort(); return reject(signal.reason) }
    const handler = () => { try { onAbort() } catch {} reject(signal.reason) }
    signal.addEventListener('abort', handler, { once: true })
    promise.then(v => { signal.removeEventListener('abort', handler); resolve(v) },
      e => { signal.removeEventListener('abort', handler); reject(e) })
  })
}

const waitTicks = (ctx, ticks) => sleep(ctx.signal, ticks * 50)

/** Poll `predicate` every 100 ms until it holds or `ms` pass; resolves to its last value. */
async function waitUntil (ctx, predicate, ms) {
  for (let waited = 0; waited < ms; waited += 100) {
    if (predicate()) return true
    await sleep(ctx.signal, 100)
  }
  return predicate()
}

module.exports = { stopMotion, throwIfAborted, sleep, abortable, waitTicks, waitUntil }
