'use strict'
// Shared fixtures of the windows tests: an embedded server on a free port, a real mineflayer bot, and
// server-side inventory set-up and counting (test fixtures write player.inventory directly; that is not an
// assist of the game).
const { once } = require('events')
const mineflayer = require('mineflayer')
const { Vec3 } = require('vec3')
const { startWorld } = require('./helpers')
const { minecraft: VERSION } = require('../vanilla/versions.json')

async function startServer (options = {}) {
  return startWorld({ seed: 1, world: 'flat', ...options })
}

async function connectBot (port, username = 'crafter') {
  const bot = mineflayer.createBot({ host: '127.0.0.1', port, username, version: VERSION, auth: 'offline' })
  await withTimeout(once(bot, 'spawn'), 30000, 'bot spawn')
  return bot
}

function serverPlayer (serv, username) {
  const p = serv.players.find(p => p.username === username)
  if (!p) throw new Error(`no server player ${username}`)
  return p
}

/** Wait until the session is attached (setImmediate after login). */
async function windowsReady (serv, username) {
  await waitFor(() => serv.players.find(p => p.username === username)?.windows, 10000, 'windows session')
  return serverPlayer(serv, username)
}

function give (serv, player, slot, name, count = 1) {
  const Item = require('prismarine-item')(serv.registry)
  const def = serv.registry.itemsByName[name]
  if (!def) throw new Error(`unknown item ${name}`)
  player.inventory.updateSlot(slot, new Item(def.id, count))
}

function clearInventory (player) {
  for (let i = 0; i < player.inventory.slots.length; i++) if (player.inventory.slots[i]) player.inventory.updateSlot(i, null)
}

/** Every item the server holds for the player: inventory (without the virtual result), cursor, open grids. */
function serverCounts (player) {
  const counts = {}
  const add = (item) => { if (item) counts[item.name] = (counts[item.name] || 0) + item.count }
  for (let i = 1; i < player.inventory.slots.length; i++) add(player.inventory.slots[i])
  const session = player.windows
  if (session) {
    add(session.inventoryMenu.carried)
    const c = session.container
    if (c) {
      add(c.carried)
      for (const item of c.grid || []) add(item)
      for (const item of c.items || []) add(item)
    }
  }
  return counts
}

/** Slot-by-slot comparison of the server inventory and bot.inventory (1..45; 0 is the derived result). */
function inventoryDiff (player, bot) {
  const diffs = []
  for (let i = 1; i < 46; i++) {
    const s = player.inventory.slots[i]
    const c = bot.inventory.slots[i]
    const a = s ? `${s.name}x${s.count}` : '-'
    const b = c ? `${c.name}x${c.count}` : '-'
    if (a !== b) diffs.push(`slot ${i}: server ${a}, client ${b}`)
  }
  return diffs
}

async function waitFor (cond, timeoutMs = 10000, what = 'condition') {
  const start = Date.now()
  while (Date.now() - start < timeoutMs) {
    const v = await cond()
    if (v) return v
    await sleep(50)
  }
  throw new Error(`timed out waiting for ${what}`)
}

function sleep (ms) { return new Promise(resolve => setTimeout(resolve, ms)) }

function withTimeout (promise, ms, what) {
  let timer
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms) })
  ])
}

/** Put a block next to the bot (a fixture) and wait until the bot sees it. */
async function placeBlockNear (serv, player, bot, name, offset = new Vec3(2, 0, 0)) {
  const pos = player.position.floored().plus(offset)
  await serv.setBlock(player.world, pos, serv.registry.blocksByName[name].defaultState)
  await waitFor(() => bot.blockAt(pos)?.name === name, 10000, `${name} at ${pos}`)
  return bot.blockAt(pos)
}

async function stop (bot, serv) {
  try {
    if (bot) {
      bot.quit()
      await Promise.race([once(bot, 'end'), sleep(2000)])
    }
  } catch {}
  await serv.stop().catch(() => {})
}

// mineflayer 4.39's once() leaves a 20-second timer behind for every event it awaited (each crafting click
// waits for one), which keeps a finished test process alive for 20 s. Once the tests are done, leave.
function exitWhenDone () {
  setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref()
}

/** A fresh server and a bot named `username` whose windows are ready: { serv, bot, player }. */
async function openWindowsWorld (username) {
  const { serv } = await startServer()
  const bot = await connectBot(serv.listeningPort, username)
  return { serv, bot, player: await windowsReady(serv, username) }
}

/** body({ serv, bot, player }) on a fresh server and bot, which stop after it (exitAfter: and so does the
 * process, for a file's last test). */
async function withWindowsBot (username, body, { exitAfter = false } = {}) {
  const { serv, port } = await startServer()
  const bot = await connectBot(port, username)
  try {
    return await body({ serv, bot, player: await windowsReady(serv, username) })
  } finally {
    await stop(bot, serv)
    if (exitAfter) exitWhenDone()
  }
}

module.exports = {
  openWindowsWorld, withWindowsBot, startServer, connectBot, serverPlayer, windowsReady, give, clearInventory, serverCounts, inventoryDiff,
  waitFor, sleep, withTimeout, placeBlockNear, stop, exitWhenDone, Vec3
}
