'use strict'
// The bridge process: a mineflayer bot on a Minecraft 1.21.4 server, and a websocket on which one agent
// reads the bot's state and frames and sends it skill tokens (bridge/PROTOCOL.md).
//
// node bridge/bot/bridge.js --server HOST:PORT [--username larm] [--ws-host 127.0.0.1] [--ws-port 0]
//                           [--token T] [--fps 10] [--width 224] [--height 224] [--speed K] [--pause-world no]
//                           [--allow-origin URL]... [--hello-timeout S] [--heartbeat S] [--exit-with-parent yes|no]
// Prints one JSON line on stdout once the websocket listens and the bot has spawned:
//   {"event":"ready","ws_host":...,"ws_port":N,"token":"...","username":"larm","speed":K}
// Logs go to stderr. Exit 2: bad arguments; 3: the bot could not join.
// --speed K: the bot's clock (physics, digging, skill deadlines) runs K times faster than real time, as the
// embedded server's does (the same K on both sides); installed before mineflayer loads.
// --pause-world yes (the embedded world, which honours it): the world's clock and the bot's stop while the bot
// searches for a path and between skills while the agent decides (skills/lib/world_clock.js).
// The token: --token T is visible to every local user in the process list; a program starting the bridge
// passes it in the environment variable LARM_BRIDGE_TOKEN instead (bridge/bridge_process.py does).
// The bridge exits when the process that started it dies (unless --exit-with-parent no), and when its
// stdout or stderr pipe breaks.
const gameClock = require('larm-world/util/game_clock')
if (require.main === module) {
  try {
    gameClock.installFromArgv()
  } catch (err) {
    process.stderr.write(`bridge: ${err.message}\n`)
    process.exit(2)
  }
}
const crypto = require('crypto')
const { WebSocketServer } = require('ws')
const { BotConnection } = require('./bot_connection')
const { AgentSession, DEFAULT_FRAMES, DEFAULT_HELLO_TIMEOUT_S, DEFAULT_HEARTBEAT_S } = require('./agent_session')
const { createObserver } = require('./observation')
const { enableWorldPauses } = require('larm-skills/lib/world_clock')
const { watchParent, guardPipes, isBrokenPipe } = require('larm-world/util/orphan_guard')

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1'])
const MAX_WS_PAYLOAD = 1024 * 1024 // beyond this ws closes the socket (1009); up to it the bridge answers too_large
const TOKEN_ENV = 'LARM_BRIDGE_TOKEN'
const MAX_CONNECTIONS = 16 // the agent plus some that have not said hello yet (each for --hello-timeout at most)
const EXIT_GRACE_MS = 200 // real ms between stopping the bot and exiting

function usage (message) {
  process.stderr.write(`bridge: ${message}\nusage: bridge.js --server HOST:PORT [--username NAME] [--ws-host H] [--ws-port N] [--token T] [--fps N] [--width N] [--height N] [--speed K] [--pause-world yes|no] [--allow-origin URL]... [--hello-timeout S] [--heartbeat S] [--exit-with-parent yes|no]\n`)
  process.exit(2)
}

function parseArgs (argv, env = process.env) {
  const args = {
    username: 'larm', wsHost: '127.0.0.1', wsPort: 0, token: null, fps: DEFAULT_FRAMES.fps, width: DEFAULT_FRAMES.width, height: DEFAULT_FRAMES.height,
    allowOrigins: [], helloTimeoutS: DEFAULT_HELLO_TIMEOUT_S, heartbeatS: DEFAULT_HEARTBEAT_S, exitWithParent: true, pauseWorld: false
  }
  const int = (name, v, min, max) => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < min || n > max) usage(`${name} must be an integer in ${min}..${max}, got '${v}'`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i]
    const value = argv[i + 1]
    if (value === undefined) usage(`${key} needs a value`)
    i++
    switch (key) {
      case '--server': {
        const m = /^(.+):(\d+)$/.exec(value)
        if (!m) usage(`--server must be HOST:PORT, got '${value}'`)
        args.host = m[1]
        args.port = int('--server port', m[2], 1, 65535)
        break
      }
      case '--username': if (!/^[A-Za-z0-9_]{3,16}$/.test(value)) usage('--username: 3-16 letters, digits or _'); args.username = value; break
      case '--ws-host': args.wsHost = value; break
      case '--ws-port': args.wsPort = int('--ws-port', value, 0, 65535); break
      case '--token': args.token = checkToken('--token', value); break
      case '--fps': args.fps = int('--fps', value, 0, 30); break
      case '--width': args.width = int('--width', value, 16, 1024); break
      case '--height': args.height = int('--height', value, 16, 1024); break
      case '--speed': try { args.speed = gameClock.parseSpeed(value) } catch (err) { usage(err.message) } break
      case '--allow-origin': args.allowOrigins.push(parseOrigin(value)); break
      case '--hello-timeout': args.helloTimeoutS = int('--hello-timeout', value, 1, 600); break
      case '--heartbeat': args.heartbeatS = int('--heartbeat', value, 1, 3600); break
      case '--pause-world': if (!['yes', 'no'].includes(value)) usage('--pause-world: yes or no'); args.pauseWorld = value === 'yes'; break
      case '--exit-with-parent': if (!['yes', 'no'].includes(value)) usage('--exit-with-parent: yes or no'); args.exitWithParent = value === 'yes'; break
      default: usage(`unknown argument ${key}`)
    }
  }
  if (!args.host) usage('--server HOST:PORT is required')
  args.token ??= env[TOKEN_ENV] ? checkToken(TOKEN_ENV, env[TOKEN_ENV]) : null
  if (!LOOPBACK.has(args.wsHost) && !args.token) usage(`the websocket listens on ${args.wsHost}, beyond this machine: give a token (${TOKEN_ENV} or --token)`)
  args.token ||= crypto.randomBytes(16).toString('hex')
  return args
}

function checkToken (name, value) {
  if (value.length < 8) usage(`${name} must have at least 8 characters`)
  return value
}

/** An allowed browser origin as browsers send it (scheme://host[:port], no path), from a URL. */
function parseOrigin (value) {
  let origin
  try { origin = new URL(value).origin } catch { usage(`--allow-origin must be a URL such as http://localhost:8080, got '${value}'`) }
  if (origin === 'null') usage(`--allow-origin: '${value}' has no origin (an http or https URL is expected)`)
  return origin
}

/**
 * Whether a websocket upgrade may go on. Browsers always send Origin (and any page may open a websocket to
 * 127.0.0.1); programs such as the agent send none. A request with an Origin is refused unless allowed.
 */
function originAllowed (origin, allowed) {
  if (origin === undefined) return true
  try { return allowed.includes(new URL(origin).origin) } catch { return false }
}

function loadRendererFactory (log) {
  try {
    return require('./render').createRenderer
  } catch (err) {
    log(`frames are off: the renderer could not be loaded (${err.message})`)
    return null
  }
}

async function main () {
  const args = parseArgs(process.argv.slice(2))
  delete process.env[TOKEN_ENV] // read once: the renderer's worker and anything else started later never see it
  if (args.pauseWorld) enableWorldPauses() // the embedded world: the bot's computing costs no game time
  // A broken stdout or stderr pipe means whoever read them is gone: exit, never write to them again (on the
  // next turn of the event loop: stop is defined below, once the websocket it closes exists).
  const pipes = guardPipes(err => setImmediate(() => stop(null, err?.code === 'EPIPE' ? 0 : 1)))
  const log = message => {
    if (!pipes.isOpen()) return
    try { process.stderr.write(`[bridge] ${message}\n`) } catch (err) { pipes.broken(err) }
  }
  const connection = new BotConnection({ host: args.host, port: args.port, username: args.username, log })
  const createRenderer = loadRendererFactory(log)
  const wss = new WebSocketServer({
    host: args.wsHost,
    port: args.wsPort,
    maxPayload: MAX_WS_PAYLOAD,
    verifyClient: ({ origin }, accept) => {
      if (originAllowed(origin, args.allowOrigins)) return accept(true)
      log(`refused a websocket from the browser origin ${JSON.stringify(origin)} (allow it with --allow-origin)`)
      accept(false, 403, 'origin not allowed')
    }
  })
  const heartbeat = startHeartbeat(wss, args.heartbeatS * 1000, log)

  let stopping = false
  const stop = (why, code = 0) => {
    if (stopping) return
    stopping = true
    if (why) log(`stopping: ${why}`)
    clearInterval(heartbeat)
    connection.stop()
    try { connection.renderer?.close() } catch {}
    wss.close()
    for (const ws of wss.clients) ws.terminate()
    gameClock.real.setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref()
  }
  process.on('SIGTERM', () => stop())
  process.on('SIGINT', () => stop())
  process.on('uncaughtException', err => {
    if (isBrokenPipe(err)) return pipes.broken(err)
    log(`uncaught: ${err?.stack || err}`)
  })
  process.on('unhandledRejection', err => log(`unhandled rejection: ${err?.stack || err}`))
  // Started in a session of its own (bridge_process.py), the bridge gets no signal when the agent dies.
  if (args.exitWithParent) watchParent(parent => stop(`the process that started the bridge (pid ${parent}) is gone`))

  // A new bot (first spawn or after a reconnect) gets a fresh observer and renderer.
  connection.on('bot', bot => {
    connection.observer = createObserver(bot)
    try { connection.renderer?.close() } catch {}
    connection.renderer = createRenderer ? createRenderer(bot, { width: args.width, height: args.height }) : null
    // The first frame loads the textures in the worker (about a second): pay that now, not on the agent's first step.
    connection.renderer?.render({ labels: false }).catch(err => log(`renderer warm-up: ${err.message}`))
  })
  connection.on('event', (name, data) => log(`${name} ${JSON.stringify(data)}`))

  // The agent's slot goes to the first connection that says a valid hello, not to the first that connects:
  // a silent or a wrong client cannot hold it (and is closed after --hello-timeout).
  let agent = null
  const claim = session => {
    if (agent && !agent.closed && agent !== session) return false
    agent = session
    return true
  }
  wss.on('connection', ws => {
    ws.on('error', err => log(`websocket: ${err.message}`))
    if (wss.clients.size > MAX_CONNECTIONS) {
      ws.send(JSON.stringify({ type: 'error', kind: 'busy', message: `${MAX_CONNECTIONS} connections are open on this bridge already` }))
      ws.close(4003, 'busy')
      gameClock.real.setTimeout(() => ws.terminate(), 1000).unref() // it does not hold a place while it closes
      return
    }
    const session = new AgentSession(ws, {
      connection, token: args.token, claim, helloTimeoutMs: args.helloTimeoutS * 1000,
      frames: { fps: args.fps, width: args.width, height: args.height }, log
    })
    ws.on('close', () => { if (session.ready) log('agent disconnected') })
  })
  await new Promise((resolve, reject) => { wss.once('listening', resolve); wss.once('error', reject) })

  try {
    await connection.start()
  } catch (err) {
    process.stdout.write(JSON.stringify({ event: 'error', message: err.message }) + '\n')
    process.exit(3)
  }
  const { port } = wss.address()
  process.stdout.write(JSON.stringify({ event: 'ready', ws_host: args.wsHost, ws_port: port, token: args.token, username: args.username, speed: gameClock.speed() }) + '\n')
}

/**
 * Websocket pings every `intervalMs` of real time; a client that has not answered the previous one is
 * dropped (a frozen or vanished agent, whose TCP connection may never say so, frees the agent's slot).
 */
function startHeartbeat (wss, intervalMs, log) {
  wss.on('connection', ws => {
    ws.alive = true
    ws.on('pong', () => { ws.alive = true })
  })
  return gameClock.real.setInterval(() => {
    for (const ws of wss.clients) {
      if (!ws.alive) {
        log(`dropping a websocket client that did not answer a ping within ${intervalMs / 1000} s`)
        ws.terminate()
        continue
      }
      ws.alive = false
      try { ws.ping() } catch {}
    }
  }, intervalMs)
}

if (require.main === module) main()

module.exports = { parseArgs, originAllowed, TOKEN_ENV }
