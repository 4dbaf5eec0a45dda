'use strict'
// Runs check functions one at a time against one server and one bot: each check gets its own deadline, a
// failure or a timeout in one never stops the others, and the bot is cleaned up (or reconnected, if the
// server dropped it) between checks.
const mineflayer = require('mineflayer')
const { pathfinder, Movements } = require('mineflayer-pathfinder')
const collectBlock = require('mineflayer-collectblock').plugin
const { CheckFailure, sleep } = require('./util')

const { minecraft: VERSION } = require('../vanilla/versions.json')

/** Connect a mineflayer bot with pathfinder and collectblock; resolves once it has spawned. */
function connectBot ({ port, username, timeoutMs = 60000, plugins = true }) {
  return new Promise((resolve, reject) => {
    const bot = mineflayer.createBot({ host: '127.0.0.1', port, username, version: VERSION, auth: 'offline', hideErrors: true })
    bot._client.on('packet', () => { bot.__lastServerPacket = Date.now() }) // for failure diagnostics
    if (plugins) {
      bot.loadPlugin(pathfinder)
      bot.loadPlugin(collectBlock)
    }
    const timer = setTimeout(() => fail(new Error(`bot ${username} did not spawn within ${timeoutMs / 1000} s`)), timeoutMs)
    function fail (err) {
      clearTimeout(timer)
      try { bot.end() } catch {}
      reject(err)
    }
    bot.once('kicked', reason => fail(new Error(`bot ${username} was kicked while joining: ${reasonText(reason)}`)))
    bot.once('end', reason => fail(new Error(`bot ${username} disconnected while joining: ${reason}`)))
    bot.once('error', err => fail(err))
    bot.once('spawn', () => {
      clearTimeout(timer)
      bot.removeAllListeners('kicked')
      bot.removeAllListeners('end')
      bot.removeAllListeners('error')
      bot.on('error', () => {}) // socket errors after a kick are reported by the check that caused them
      if (plugins) {
        const movements = new Movements(bot)
        movements.canDig = false // checks build their own scenes; the bot must not tunnel through them
        movements.allow1by1towers = false
        movements.allowParkour = false
        bot.pathfinder.setMovements(movements)
        bot.pathfinder.thinkTimeout = 5000 // bounded search
      }
      resolve(bot)
    })
  })
}

function reasonText (reason) {
  if (typeof reason === 'string') return reason
  try { return JSON.stringify(reason) } catch { return String(reason) }
}

function botAlive (bot) {
  return bot && bot.entity && !bot._client.ended && bot._client.socket && !bot._client.socket.destroyed
}

/** Stop whatever a check left running in the bot. */
async function tidyBot (bot) {
  if (!botAlive(bot)) return
  try { bot.pathfinder?.stop() } catch {}
  try { bot.pathfinder?.setGoal(null) } catch {}
  try { bot.stopDigging() } catch {}
  try { bot.clearControlStates() } catch {}
  try { if (bot.currentWindow) bot.closeWindow(bot.currentWindow) } catch {}
  await sleep(100)
}

/**
 * A session of checks. `ctx.bot` is the current bot; `ensureBot()` reconnects a fresh one when the server
 * dropped the previous (e.g. after a bad-input check).
 */
function createSession ({ serv, port, fx, seed, log }) {
  let botIndex = 0
  const ctx = {
    serv, port, fx, seed, log, registry: serv.registry, bot: null, spawn: null, cache: {}
  }

  ctx.ensureBot = async () => {
    if (botAlive(ctx.bot)) return ctx.bot
    if (ctx.bot) try { ctx.bot.end() } catch {}
    const username = botIndex === 0 ? 'checker' : `checker${botIndex}`
    botIndex++
    ctx.bot = await connectBot({ port, username })
    if (typeof ctx.bot.waitForChunksToLoad === 'function') await ctx.bot.waitForChunksToLoad().catch(() => {})
    return ctx.bot
  }

  /** Run one check; returns its row. */
  async function run ({ mechanic, timeout, fn }) {
    const started = Date.now()
    const row = { mechanic, ok: false, seconds: 0, detail: '' }
    let timer
    try {
      await ctx.ensureBot()
      const deadline = new Promise((resolve, reject) => {
        timer = setTimeout(() => reject(new CheckFailure(`timed out after ${timeout} s`)), timeout * 1000)
      })
      const detail = await Promise.race([fn(ctx), deadline])
      row.ok = true
      row.detail = detail || ''
    } catch (err) {
      row.ok = false
      row.detail = err instanceof CheckFailure ? err.message : `error: ${err && err.stack ? firstLines(err.stack) : err}`
    } finally {
      clearTimeout(timer)
      row.seconds = Math.round((Date.now() - started) / 100) / 10
      await tidyBot(ctx.bot)
    }
    return row
  }

  return { ctx, run }
}

function firstLines (text, n = 3) {
  return String(text).split('\n').slice(0, n).map(s => s.trim()).join(' | ')
}

module.exports = { connectBot, createSession, botAlive, tidyBot, VERSION }
