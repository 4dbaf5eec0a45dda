'use strict'
// Station windows (furnace, enchanting table) opened and worked without leaking them: every open and every
// click ends on abort or after a timeout, and a finished window is closed once the server applied the clicks.
const { SkillError, clientFailure } = require('./errors')
const { abortable } = require('./cancel')
const { syncInventory } = require('./stations')

/** Open a window without leaking it: closed when the skill is aborted, even if it opens afterwards. */
async function openWindow (ctx, opening) {
  const { bot, signal } = ctx
  opening.then(w => { if (signal.aborted) bot.closeWindow(w) }, () => {})
  return abortable(signal, withTimeout(opening, 15000, 'the window did not open'), () => {
    if (bot.currentWindow) bot.closeWindow(bot.currentWindow)
  })
}

/** While `window` is open, close it the moment the skill is aborted. Returns the cleanup function. */
function closeOnAbort (ctx, window) {
  const { bot, signal } = ctx
  const close = () => { try { bot.closeWindow(window) } catch {} }
  signal.addEventListener('abort', close, { once: true })
  return () => signal.removeEventListener('abort', close)
}

function withTimeout (promise, ms, message) {
  let timer
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((resolve, reject) => { timer = setTimeout(() => reject(new SkillError('failed', message)), ms) })
  ])
}

/** A window call (clicks) that fails as a SkillError and stops on abort. */
async function windowStep (ctx, promise, what) {
  try {
    return await abortable(ctx.signal, withTimeout(promise, 10000, `${what} timed out`))
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason
    throw clientFailure(what, err)
  }
}

/** Items named `name` in the player-inventory part of an open window (bot.inventory lags until it closes). */
function windowCount (window, name) {
  return window.slots.slice(window.inventoryStart, window.inventoryEnd)
    .reduce((n, item) => n + (item?.name === name ? item.count : 0), 0)
}

/** Make sure the server applied our clicks, close the window, and let the inventory settle. */
async function finishWindow (ctx, window) {
  await syncInventory(ctx, window)
  ctx.bot.closeWindow(window)
  await syncInventory(ctx)
}

module.exports = { openWindow, closeOnAbort, windowStep, windowCount, finishWindow }
