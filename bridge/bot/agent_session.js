'use strict'
// One websocket connection: the handshake, then requests (observe, frame, skill, cancel, ping) answered
// over the websocket, events forwarded, and the frame stream. Every bad input gets a structured error and the
// session keeps serving (except a wrong token or protocol version, or a hello while another agent holds the
// bridge, which close the socket). A connection that has not said a valid hello in time is closed.
const crypto = require('crypto')
const { PROTOCOL_VERSION, ProtocolError, parseRequest, errorMessage, encodeFrame } = require('./protocol')
const { parseSkill, runSkill, describeVerbs, SkillError, SkillInputError } = require('larm-skills/runner')
const { gameTicks } = require('larm-skills/lib/bot_setup')
const { holdWorld, pauseWorld, resumeWorld } = require('larm-skills/lib/world_clock')
const gameClock = require('larm-world/util/game_clock')

const BRIDGE_VERSION = require('../package.json').version
const { minecraft: MINECRAFT_VERSION } = require('larm-world/vanilla/versions.json')
const DEFAULT_FRAMES = { fps: 10, width: 224, height: 224, labels: false }
const MAX_BUFFERED_FRAMES = 3 // skip stream frames while the agent has not read this many
const MAX_FRAME_REQUESTS = 4 // frame requests rendered or being sent at once; more are answered busy
const DEFAULT_HELLO_TIMEOUT_S = 5 // real seconds a connection has to say a valid hello
const DEFAULT_HEARTBEAT_S = 15 // real seconds between websocket pings (bridge.js); a client missing one is dropped
const CLOSE_TERMINATE_MS = 1000 // real ms a closed connection has to finish the close handshake
// Errors that end the connection, with the websocket close code (bridge/PROTOCOL.md).
const CLOSE_ON = { bad_token: [4001, 'bad token'], bad_protocol: [4002, 'bad protocol version'] }

class AgentSession {
  /**
   * claim(session) -> bool: take the bridge's one agent slot (false: another agent holds it).
   * helloTimeoutMs: real ms to say a valid hello before the connection is closed.
   */
  constructor (ws, { connection, token, frames, log, claim = () => true, helloTimeoutMs = DEFAULT_HELLO_TIMEOUT_S * 1000 }) {
    Object.assign(this, { ws, connection, token, log, claim })
    this.ready = false
    this.frameRequests = 0
    this.running = null // { id, token, controller }
    this.frames = { ...DEFAULT_FRAMES, ...frames }
    this.seq = 0
    this.rendering = false
    this.onEvent = (name, data) => this.event(name, data)
    connection.on('event', this.onEvent)
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary))
    ws.on('close', () => this.close())
    // Real time: the game clock may run K times faster, a client's network does not.
    this.helloTimer = gameClock.real.setTimeout(() => {
      if (this.ready || this.closed) return
      this.send(errorMessage('not_ready', `no valid hello within ${helloTimeoutMs / 1000} s: closing`))
      this.end(4004, 'no hello')
    }, helloTimeoutMs)
  }

  /** Close with a code; a client that does not finish the close handshake is cut off. */
  end (code, reason) {
    this.ws.close(code, reason)
    gameClock.real.setTimeout(() => { if (this.ws.readyState !== this.ws.CLOSED) this.ws.terminate() }, CLOSE_TERMINATE_MS).unref()
  }

  get bot () { return this.connection.bot }

  send (msg) {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(msg))
  }

  event (name, data = {}, id) {
    if (!this.ready) return
    this.send({ type: 'event', event: name, ...(id ? { id } : {}), tick: this.bot ? gameTicks(this.bot) : 0, data })
  }

  async onMessage (data, isBinary) {
    let msg
    try {
      if (isBinary) throw new ProtocolError('bad_request', 'the agent sends text (JSON) messages only')
      msg = parseRequest(data)
      if (!this.ready && msg.type !== 'hello') throw new ProtocolError('not_ready', 'send hello first', msg.id)
      await this.handle(msg)
    } catch (err) {
      if (err instanceof ProtocolError || err instanceof SkillInputError) {
        this.send(errorMessage(err.kind, err.message, err.id ?? msg?.id))
        const close = CLOSE_ON[err.kind] ?? (err.kind === 'busy' && !this.ready ? [4003, 'busy'] : null)
        if (close) this.end(...close)
      } else {
        this.log(`internal error: ${err.stack || err}`)
        this.send(errorMessage('internal', String(err.message || err), msg?.id))
      }
    }
  }

  async handle (msg) {
    switch (msg.type) {
      case 'hello': return this.hello(msg)
      case 'ping': return this.send({ type: 'pong', ...(msg.id ? { id: msg.id } : {}), tick: this.bot ? gameTicks(this.bot) : 0 })
      case 'observe': return this.observe(msg)
      case 'frame': return this.frame(msg)
      case 'skill': return this.skill(msg)
      case 'cancel': return this.cancel(msg)
      case 'stream': return this.setStream(msg)
    }
  }

  hello (msg) {
    if (this.ready) throw new ProtocolError('bad_request', 'hello was already received')
    const a = Buffer.from(String(msg.token))
    const b = Buffer.from(this.token)
    if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) throw new ProtocolError('bad_token', 'wrong token')
    if (msg.protocol !== PROTOCOL_VERSION) throw new ProtocolError('bad_protocol', `this bridge speaks protocol ${PROTOCOL_VERSION}, not ${msg.protocol}`)
    if (!this.claim(this)) throw new ProtocolError('busy', 'another agent is connected to this bridge')
    clearTimeout(this.helloTimer)
    this.frames = { ...this.frames, ...(msg.frames || {}) }
    this.ready = true
    this.log(`agent connected${msg.client ? ` (${String(msg.client).slice(0, 80)})` : ''}`)
    this.send({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      bridge: BRIDGE_VERSION,
      minecraft: MINECRAFT_VERSION,
      username: this.connection.username,
      server: `${this.connection.host}:${this.connection.port}`,
      connected: this.connection.connected,
      frames: this.frames,
      speed: gameClock.speed(), // the game clock's speed: deadlines and wall_ms are game milliseconds
      verbs: describeVerbs()
    })
    this.startStream()
  }

  requireBot (id) {
    if (!this.connection.connected || !this.bot?.entity) throw new ProtocolError('not_connected', 'the bot is not connected to the Minecraft server right now', id)
    return this.bot
  }

  observe (msg) {
    this.requireBot(msg.id)
    const state = this.connection.observer.observe()
    this.send({ type: 'observation', ...(msg.id ? { id: msg.id } : {}), state })
  }

  /** A frame request holds one of MAX_FRAME_REQUESTS places until its frame is handed to the socket. */
  async frame (msg) {
    this.requireBot(msg.id)
    if (this.frameRequests >= MAX_FRAME_REQUESTS) {
      throw new ProtocolError('busy', `${this.frameRequests} frame requests are still being rendered or sent; read their frames first (at most ${MAX_FRAME_REQUESTS} at a time)`, msg.id)
    }
    this.frameRequests++
    let held = true
    const release = () => { if (held) { held = false; this.frameRequests-- } }
    try {
      await this.renderAndSend({ id: msg.id, labels: msg.labels ?? this.frames.labels, onSent: release, asked: true })
    } catch (err) {
      release()
      throw err
    }
  }

  async renderAndSend ({ id, labels, onSent = () => {}, asked = false }) {
    const renderer = this.connection.renderer
    if (!renderer) throw new ProtocolError('internal', 'no renderer is available in this bridge', id)
    const { width, height } = this.frames
    if (renderer.width !== width || renderer.height !== height) renderer.resize(width, height)
    const hold = asked ? holdWorld(this.bot) : () => {} // an asked-for frame is the agent looking: the world waits
    let out
    try {
      out = await renderer.render({ labels })
    } finally {
      hold()
    }
    const header = { seq: this.seq++, tick: gameTicks(this.bot), width: out.width, height: out.height, render_ms: Math.round(out.ms * 10) / 10, ...(id ? { id } : {}) }
    // ws calls back once the frame is written to the socket (or failed): until then it is held in memory
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encodeFrame(header, out.rgb, labels ? out.labels : null), () => onSent())
    else onSent()
  }

  /** A new frame-stream rate while connected (the dashboard turns it on while a page watches): no answer. */
  setStream (msg) {
    this.frames = { ...this.frames, fps: msg.fps }
    this.startStream()
  }

  startStream () {
    clearInterval(this.streamTimer)
    if (!this.frames.fps) return
    const frameBytes = this.frames.width * this.frames.height * (this.frames.labels ? 5 : 3)
    // frames are for people and the agent to watch: their rate is real time whatever the game clock's speed
    this.streamTimer = gameClock.real.setInterval(async () => {
      if (this.rendering || !this.connection.connected || !this.connection.renderer) return
      if (this.ws.bufferedAmount > MAX_BUFFERED_FRAMES * frameBytes) return // the agent is behind: drop, don't queue
      this.rendering = true
      try {
        await this.renderAndSend({ labels: this.frames.labels })
      } catch (err) {
        this.log(`frame stream: ${err.message}`)
      } finally {
        this.rendering = false
      }
    }, 1000 / this.frames.fps)
  }

  /** Run a skill; afterwards (done, failed or refused) the world waits while the agent decides. */
  async skill (msg) {
    let result
    try {
      result = await this.runSkillMessage(msg)
    } finally {
      // only on the embedded world (--pause-world yes), and never for a bot whose connection is gone
      if (!this.running && this.connection.connected && this.bot) pauseWorld(this.bot)
    }
    this.send({ type: 'skill_result', id: msg.id, token: msg.token, ...result })
  }

  async runSkillMessage (msg) {
    if (this.running) throw new ProtocolError('busy', `skill '${this.running.id}' (${this.running.token}) is still running; cancel it or wait`, msg.id)
    const bot = this.requireBot(msg.id)
    const parsed = parseSkill(msg.token, msg.args, bot.registry)
    const controller = new AbortController()
    this.running = { id: msg.id, token: msg.token, controller }
    this.event('skill_started', { token: msg.token, args: parsed.args }, msg.id)
    let result
    resumeWorld(bot)
    try {
      result = await runSkill(bot, parsed, {
        controller,
        deadlineMs: msg.deadline_ms ?? parsed.def.deadlineMs,
        onProgress: message => this.event('skill_progress', { message: String(message) }, msg.id),
        log: this.log
      })
    } finally {
      this.running = null
    }
    return result
  }

  cancel (msg) {
    if (!this.running || this.running.id !== msg.id) {
      throw new ProtocolError('bad_request', `no running skill has id '${msg.id}'`, msg.id)
    }
    this.running.controller.abort(new SkillError('cancelled', 'cancelled by the agent'))
  }

  close () {
    clearTimeout(this.helloTimer)
    clearInterval(this.streamTimer)
    this.connection.removeListener('event', this.onEvent)
    if (this.running) this.running.controller.abort(new SkillError('cancelled', 'the agent disconnected'))
    resumeWorld(this.bot) // no agent is deciding: the world goes on
    this.closed = true
  }
}

module.exports = { AgentSession, DEFAULT_FRAMES, DEFAULT_HELLO_TIMEOUT_S, DEFAULT_HEARTBEAT_S, MAX_FRAME_REQUESTS }
