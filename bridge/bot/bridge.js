'use strict'
// The bridge process: a mineflayer bot on a Minecraft 1.21.4 server, and a websocket on which one agent
// reads the bot's state and frames and sends it skill tokens (bridge/PROTOCOL.md).
//
// node bridge/bot/bridge.js --server HOST:PORT [--username larm] [--ws-host 127.0.0.1] [--ws-port 0]
//                           [--token T] [--fps 10] [--width 224] [--height 224] [--speed K]
// Prints one JSON line on stdout once the websocket listens and the bot has spawned:
//   {"event":"ready","ws_host":...,"ws_port":N,"token":"...","username":"larm","speed":K}
// Logs go to stderr. Exit 2: bad arguments; 3: the bot could not join.
// --speed K: the bot's clock (physics, digging, skill deadlines) runs K times faster than real time, as the
// embedded server's does (the same K on both sides); installed before mineflayer loads.
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
const { AgentSession, DEFAULT_FRAMES } = require('./agent_session')
const { createObserver } = require('./observation')

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1'])
const MAX_WS_PAYLOAD = 1024 * 1024 // beyond this ws closes the socket (1009); up to it the bridge answers too_large

function usage (message) {
  process.stderr.write(`bridge: ${message}\nusage: bridge.js --server HOST:PORT [--username NAME] [--ws-host H] [--ws-port N] [--token T] [--fps N] [--width N] [--height N] [--speed K]\n`)
  process.exit(2)
}

function parseArgs (argv) {
  const args = { username: 'larm', wsHost: '127.0.0.1', wsPort: 0, token: null, fps: DEFAULT_FRAMES.fps, width: DEFAULT_FRAMES.width, height: DEFAULT_FRAMES.height }
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
      case '--token': if (value.length < 8) usage('--token must have at least 8 characters'); args.token = value; break
      case '--fps': args.fps = int('--fps', value, 0, 30); break
      case '--width': args.width = int('--width', value, 16, 1024); break
      case '--height': args.height = int('--height', value, 16, 1024); break
      case '--speed': try { args.speed = gameClock.parseSpeed(value) } catch (err) { usage(err.message) } break
      default: usage(`unknown argument ${key}`)
    }
  }
  if (!args.host) usage('--server HOST:PORT is required')
  if (!LOOPBACK.has(args.wsHost) && !args.token) usage(`the websocket listens on ${args.wsHost}, beyond this machine: give --token`)
  args.token ||= crypto.randomBytes(16).toString('hex')
  return args
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
  const log = message => process.stderr.write(`[bridge] ${message}\n`)
  const connection = new BotConnection({ host: args.host, port: args.port, username: args.username, log })
  const createRenderer = loadRendererFactory(log)

  // A new bot (first spawn or after a reconnect) gets a fresh observer and renderer.
  connection.on('bot', bot => {
    connection.observer = createObserver(bot)
    try { connection.renderer?.close() } catch {}
    connection.renderer = createRenderer ? createRenderer(bot, { width: args.width, height: args.height }) : null
    // The first frame loads the textures in the worker (about a second): pay that now, not on the agent's first step.
    connection.renderer?.render({ labels: false }).catch(err => log(`renderer warm-up: ${err.message}`))
  })
  connection.on('event', (name, data) => log(`${name} ${JSON.stringify(data)}`))

  const wss = new WebSocketServer({ host: args.wsHost, port: args.wsPort, maxPayload: MAX_WS_PAYLOAD })
  let session = null
  wss.on('connection', ws => {
    if (session && !session.closed) {
      ws.send(JSON.stringify({ type: 'error', kind: 'busy', message: 'another agent is connected to this bridge' }))
      ws.close(4003, 'busy')
      return
    }
    log('agent connected')
    session = new AgentSession(ws, { connection, token: args.token, frames: { fps: args.fps, width: args.width, height: args.height }, log })
    ws.on('close', () => log('agent disconnected'))
    ws.on('error', err => log(`websocket: ${err.message}`))
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

  const stop = () => {
    connection.stop()
    try { connection.renderer?.close() } catch {}
    wss.close()
    setTimeout(() => process.exit(0), 200).unref()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  process.on('uncaughtException', err => log(`uncaught: ${err.stack || err}`))
  process.on('unhandledRejection', err => log(`unhandled rejection: ${err?.stack || err}`))
}

if (require.main === module) main()

module.exports = { parseArgs }
