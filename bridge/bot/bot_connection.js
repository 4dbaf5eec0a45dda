'use strict'
// The bot's body: one mineflayer bot on the Minecraft server, replaced by a new one when the connection
// drops (with backoff). Emits 'bot' (a new bot has spawned) and 'event' (name, data) for the protocol's
// events: death, respawn, damage, chat, disconnect, reconnecting, reconnected, kicked. A reconnect says
// whether the bot came back to the same world and state (./continuity.js); the bot's tick count goes on
// across bots, so the protocol's `tick` never goes back.
const { EventEmitter } = require('events')
const mineflayer = require('mineflayer')
const { prepareBot, gameTicks } = require('larm-skills/lib/bot_setup')
const { snapshot, compare } = require('./continuity')
const { watchWorldIdentity } = require('./world_identity')
const gameClock = require('larm-world/util/game_clock')

const { minecraft: VERSION } = require('larm-world/vanilla/versions.json')
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000]
const SETTLE_TICKS = 5 // game ticks after a spawn before the bot counts as connected
const KEEPALIVE_TIMEOUT_MS = 30000 // real ms without a keep_alive from the server before the bot gives up

class BotConnection extends EventEmitter {
  constructor ({ host, port, username = 'larm', log = () => {} }) {
    super()
    Object.assign(this, { host, port, username, log })
    this.bot = null
    this.connected = false
    this.stopped = false
    this.attempt = 0
    this.everSpawned = false
    this.left = null // the state the last bot left with (continuity.snapshot)
    this.ticks = 0 // the game ticks the bots before this one lived
  }

  /** Connect; resolves on the first spawn, rejects if that takes longer than timeoutMs of real time (joining is
   * the network's and a starting server's pace: 60 s of game time would be under 4 s at K = 16). */
  start (timeoutMs = 60000) {
    return new Promise((resolve, reject) => {
      const { setTimeout, clearTimeout } = gameClock.real
      const timer = setTimeout(() => reject(new Error(`the bot could not join ${this.host}:${this.port} within ${timeoutMs / 1000} s`)), timeoutMs)
      this.once('bot', () => { clearTimeout(timer); resolve(this.bot) })
      this.once('refused', err => {
        clearTimeout(timer)
        this.stop()
        reject(new Error(`nothing accepts connections at ${this.host}:${this.port} (${err.code})`))
      })
      this._connect()
    })
  }

  stop () {
    this.stopped = true
    clearTimeout(this.retryTimer)
    if (this.bot) {
      try { this.bot.quit('bridge stopping') } catch {}
    }
  }

  _connect () {
    if (this.stopped) return
    const bot = mineflayer.createBot({
      host: this.host, port: this.port, username: this.username, version: VERSION, auth: 'offline', hideErrors: true,
      // Whether the server still answers is a question of the network, in real time: 30 s of game time is
      // under 2 s at K = 16, which a server busy generating chunks could miss (the bot then left on its own).
      checkTimeoutInterval: KEEPALIVE_TIMEOUT_MS * gameClock.speed()
    })
    prepareBot(bot)
    bot.__physicsTicks = this.ticks
    watchWorldIdentity(bot)
    this.bot = bot
    let lastHealth = null
    bot.on('error', err => {
      this.log(`bot error: ${err.message}`)
      // Nothing listens at the address at all: say so now rather than after the join timeout.
      if (!this.everSpawned && err.code === 'ECONNREFUSED') this.emit('refused', err)
    })
    bot.on('kicked', reason => this.emit('event', 'kicked', { reason: String(typeof reason === 'string' ? reason : JSON.stringify(reason)) }))
    bot.once('spawn', async () => {
      // A server sends the inventory apart from the health that makes the spawn (the embedded world on the next
      // turn of its loop, vanilla in its own packets): the bot is ready, and compared, once they have come.
      await bot.waitForTicks(SETTLE_TICKS)
      if (this.bot !== bot || bot._client.ended) return
      this.connected = true
      lastHealth = bot.health
      const again = this.everSpawned
      this.everSpawned = true
      this.attempt = 0
      this.emit('bot', bot)
      if (again) this.emit('event', 'reconnected', this._reconnection(bot))
      bot.on('spawn', () => this.emit('event', 'respawn', { position: vec(bot.entity.position) }))
    })
    bot.on('death', () => this.emit('event', 'death', { position: vec(bot.entity.position) }))
    bot.on('health', () => {
      if (lastHealth !== null && bot.health < lastHealth) {
        this.emit('event', 'damage', { health: bot.health, amount: Math.round((lastHealth - bot.health) * 10) / 10 })
      }
      lastHealth = bot.health
    })
    bot.on('chat', (username, message) => { if (username !== bot.username) this.emit('event', 'chat', { username, message }) })
    bot.on('end', reason => {
      if (this.bot !== bot) return
      const wasConnected = this.connected
      this.connected = false
      this.ticks = gameTicks(bot)
      if (wasConnected && bot.entity) this.left = snapshot(bot)
      if (wasConnected || this.everSpawned) this.emit('event', 'disconnect', { reason: String(reason || 'connection closed') })
      if (!this.stopped) this._scheduleReconnect()
    })
  }

  /** The reconnected event's data: the world now, the one left, and what was lost on the way. */
  _reconnection (bot) {
    const back = snapshot(bot)
    const data = { server: `${this.host}:${this.port}`, world: back.world }
    if (!this.left) return { ...data, before: null, same_world: null, lost: [] }
    return { ...data, before: this.left.world, ...compare(this.left, back) }
  }

  _scheduleReconnect () {
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)]
    this.attempt++
    if (this.everSpawned) this.emit('event', 'reconnecting', { attempt: this.attempt, delay_ms: delay })
    this.retryTimer = setTimeout(() => this._connect(), delay)
  }
}

function vec (p) {
  return { x: Math.round(p.x * 100) / 100, y: Math.round(p.y * 100) / 100, z: Math.round(p.z * 100) / 100 }
}

module.exports = { BotConnection, VERSION }
