'use strict'
// The embedded world: flying-squid 1.12.0 on Minecraft 1.21.4 plus the project's survival plugins and
// world generator. Started by the Python side (run_agent.py) or by tests, always on 127.0.0.1 unless asked.
//
// CLI: node world/embedded_server.js [--port 0] [--host 127.0.0.1] [--seed N] [--assist give]... [--speed K]
//        [--world-folder DIR] [--exit-with-parent yes|no]
// Prints one JSON line {"event":"ready","port":N,"seed":S,"speed":K,"world_id":ID,"game_time":T} on stdout when it
// accepts connections. Without --world-folder the world lives in memory (a fresh one per start); with it the
// world is saved to DIR (region files, player data, level.dat: plugins/world_saving.js) and a folder that holds
// a world continues it (its own seed wins over --seed).
// --speed K runs the world's clock K times faster than real time (world/util/game_clock.js); it is installed
// before flying-squid loads, so that every timer of the server follows it.
// The server stops (saving a world folder) when the process that started it dies (unless --exit-with-parent no),
// and when its stdout or stderr pipe breaks: a killed agent or `run_agent.py serve` leaves no server behind.
const gameClock = require('./util/game_clock')
if (require.main === module) {
  try {
    gameClock.installFromArgv()
  } catch (err) {
    console.error(`embedded_server: ${err.message}`)
    process.exit(2)
  }
}
const path = require('path')
const mcServer = require('flying-squid')
const { KNOWN_ASSISTS } = require('./plugins/assists')
const { watchParent, guardPipes, isBrokenPipe } = require('./util/orphan_guard')

const { minecraft: VERSION } = require('./vanilla/versions.json')
const PLUGIN_DIR = path.join(__dirname, 'plugins')
const ORPHAN_EXIT_MS = 30000 // real ms: a stop for a dead parent that hangs (a save that never ends) is cut short

// Order matters only for readability: each plugin defers work that depends on flying-squid's own
// player plugins (inventory, digging) with setImmediate.
const SURVIVAL_PLUGINS = [
  'packet_guard', // a packet that fails to serialize is dropped and logged instead of silently cutting a player off
  'sounds', // sound_effect packets as 1.21.4 has them (flying-squid writes pre-1.9 names, positions and pitch)
  'assists', // survival hardening and the assist flags (give/teleport/keepInventory), recorded when used
  'experience', // XP points and levels, player.giveXp
  'item_entities', // dropped items with metadata, pickup, merge
  'digging', // dig time, harvest tools, loot tables, tool durability, ore XP
  'windows', // server-authoritative inventory clicks, crafting grids, furnace, enchanting table
  'buckets', // water/lava buckets, obsidian where water meets a lava source
  'mobs', // passive mobs that wander, take damage and drop loot
  'hunger', // food, saturation and exhaustion, natural regeneration and starvation, eating foods
  'respawn', // respawn at the world spawn after death (flying-squid's own does not work on 1.21.4)
  'world_memory', // keep changed chunk columns in memory instead of regenerating them
  'clock_control', // the bot on this machine may stop the game clock while it computes
  'world_identity', // the world's id and game time, told to clients, kept in level.dat
  'player_persistence', // players keep their state across a reconnect (and a restart, with a world folder)
  'world_saving' // a world with a folder saves itself: autosave, and at stop
]

// 'survival' is the real world; 'flat' is a stage for tests of single mechanics.
const WORLDS = {
  survival: path.join(__dirname, 'generator', 'index.js'),
  flat: path.join(__dirname, 'flat_world.js')
}

// flying-squid starts timers that it never stops (the tick loop, a tab-list timer per player), which would
// keep a process alive after the server stopped. Timers it creates are unref'd: the listening socket and
// the clients keep the process alive while the world serves.
const FLYING_SQUID_DIR = path.dirname(require.resolve('flying-squid/package.json'))
const originalSetInterval = global.setInterval
global.setInterval = function (...args) {
  const timer = originalSetInterval.apply(this, args)
  if (new Error().stack.includes(FLYING_SQUID_DIR)) timer.unref?.()
  return timer
}

function parseArgs (argv) {
  const args = { port: 0, host: '127.0.0.1', seed: 1, assists: [], viewDistance: 6, logging: false, world: 'survival', exitWithParent: true }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value after ${a}`)
      return argv[++i]
    }
    if (a === '--port') args.port = Number(next())
    else if (a === '--host') args.host = next()
    else if (a === '--seed') args.seedText = next()
    else if (a === '--assist') args.assists.push(next())
    else if (a === '--view-distance') args.viewDistance = Number(next())
    else if (a === '--world') args.world = next()
    else if (a === '--world-folder') args.worldFolder = path.resolve(next())
    else if (a === '--log') args.logging = true
    else if (a === '--speed') args.speed = gameClock.parseSpeed(next()) // installed at start (above)
    else if (a === '--exit-with-parent') args.exitWithParent = yesNo(a, next())
    else throw new Error(`unknown argument ${a}`)
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new Error(`bad --port ${args.port}`)
  if (args.seedText !== undefined) {
    args.seed = Number(args.seedText)
    if (!Number.isInteger(args.seed)) throw new Error(`bad --seed '${args.seedText}' (an integer)`)
    delete args.seedText
  }
  const unknown = args.assists.filter(a => !KNOWN_ASSISTS.has(a))
  if (unknown.length) throw new Error(`unknown --assist ${unknown.join(', ')} (known: ${[...KNOWN_ASSISTS].join(', ')})`)
  if (!WORLDS[args.world]) throw new Error(`bad --world ${args.world} (one of: ${Object.keys(WORLDS).join(', ')})`)
  return args
}

function yesNo (name, value) {
  if (value !== 'yes' && value !== 'no') throw new Error(`${name}: yes or no, got '${value}'`)
  return value === 'yes'
}

function settingsFor ({ port, host, seed, assists, viewDistance, logging, world, worldFolder }) {
  const plugins = {}
  for (const name of SURVIVAL_PLUGINS) plugins[path.join(PLUGIN_DIR, name + '.js')] = { assists }
  // Spawn on solid ground near water, trees and stone (the generator knows where); the flat test stage
  // keeps flying-squid's own spawn.
  if (world === 'survival') plugins[path.join(PLUGIN_DIR, 'spawn_point.js')] = {}
  return {
    motd: 'LARM embedded survival world',
    port,
    host,
    'max-players': 10,
    'online-mode': false,
    logging,
    gameMode: 0,
    difficulty: 1,
    // flying-squid's own world folder writes pre-1.13 player data and a level.dat without the time, over ours:
    // it stays off, and the project's plugins save the folder (plugins/world_saving.js).
    worldFolder: undefined,
    worldDir: worldFolder, // undefined: in memory, a fresh world per start, deterministic per seed
    generation: { name: WORLDS[world], options: { seed } },
    kickTimeout: 30000,
    plugins,
    modpe: false,
    'view-distance': viewDistance,
    'player-list-text': { header: { text: 'LARM' }, footer: { text: 'embedded world' } },
    'everybody-op': false,
    'max-entities': 2000,
    version: VERSION,
    assists
  }
}

/**
 * Start the embedded world. `log`: 'stderr' (default; stdout stays free for JSON events), 'quiet' (warnings
 * and errors only, for tests) or 'stdout'.
 */
function startEmbeddedServer (options = {}) {
  const args = { ...parseArgs([]), log: 'stderr', ...options }
  const settings = settingsFor(args)
  settings.noConsoleOutput = args.log !== 'stdout'
  const serv = mcServer.createMCServer(settings)
  if (args.log !== 'stdout') routeLog(serv, args.log === 'quiet')
  serv.stop = () => stopServer(serv)
  serv.worldSeed = () => settings.generation.options.seed // a world folder's own (plugins/world_identity.js)
  return serv
}

function routeLog (serv, quiet) {
  serv.log = (message) => {
    const text = String(serv.formatMessage?.(message) ?? message)
    if (quiet && !/WARN|ERROR/.test(text)) return
    if (!process.stderr.destroyed) process.stderr.write(text + '\n') // its reader may be gone (guardPipes)
  }
}

// flying-squid's destroy() makes every client's write throw and then lets minecraft-protocol kick each
// client (a write), which throws before the listening socket is closed. Stop in an order that works:
// end the connections, then close the listener, then stop the tick loop. A world with a folder is saved first.
function stopServer (serv) {
  serv.stopping ??= stopOnce(serv) // a second Ctrl-C while saving waits for the same stop
  return serv.stopping
}

async function stopOnce (serv) {
  await serv.saveWorld?.().catch(err => console.error(`[save] the world could not be saved: ${err.stack || err}`))
  for (const world of [serv.overworld, serv.netherworld]) world?.stopSaving?.()
  serv.isClosed = true
  serv.emit('close')
  for (const player of serv.players || []) {
    try { player._client.end('Server closed') } catch {}
    player._client.write = () => {} // flying-squid's per-player timers outlive the connection
  }
  serv.stopTickInterval?.()
  process.stdin.unref?.() // flying-squid reads console commands from stdin
  const listener = serv._server?.socketServer
  if (listener?.listening) await new Promise(resolve => listener.close(() => resolve()))
}

// flying-squid's log plugin answers SIGTERM and SIGINT through exit-hook by exiting at once, which would cut a
// world folder's save short. exit-hook installs its listeners once per process: have it do so now, then take
// them away (flying-squid's later call only adds a callback, run at exit).
function ownSignals () {
  require('exit-hook')(() => {})
  for (const signal of ['SIGTERM', 'SIGINT']) process.removeAllListeners(signal)
}

function main () {
  let args
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (err) {
    console.error(`embedded_server: ${err.message}`)
    process.exit(2)
  }
  ownSignals()
  const serv = startEmbeddedServer(args)
  serv.on('error', err => console.error('[server error]', err && err.stack ? err.stack : err))
  // 'ready' comes once the plugins are loaded and the socket listens: a client joining earlier is kicked.
  serv.once('ready', () => {
    const port = serv.listeningPort
    const world = { world_id: serv.worldId, game_time: serv.gameTime(), world_folder: args.worldFolder ?? null }
    process.stdout.write(JSON.stringify({ event: 'ready', port, seed: serv.worldSeed(), version: VERSION, speed: gameClock.speed(), ...world }) + '\n')
  })
  const stop = () => { serv.stop().finally(() => process.exit(0)) }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  // Whoever started the server is gone (its pipes broke, or it died without a word): stop as on SIGTERM, so a
  // world folder is saved, but never wait on that for ever, and never write to a broken pipe again.
  const orphaned = why => {
    if (pipes.isOpen()) console.error(`embedded_server: stopping: ${why}`)
    gameClock.real.setTimeout(() => process.exit(1), ORPHAN_EXIT_MS).unref()
    stop()
  }
  const pipes = guardPipes(err => orphaned(`its output pipe broke (${err?.code || err})`))
  if (args.exitWithParent) watchParent(parent => orphaned(`the process that started it (pid ${parent}) is gone`))
  // A bug in one player's handler must not take the world down: log it and keep serving.
  const report = (what, err) => { if (pipes.isOpen()) console.error(what, err && err.stack ? err.stack : err) }
  process.on('uncaughtException', err => isBrokenPipe(err) ? pipes.broken(err) : report('[uncaught]', err))
  process.on('unhandledRejection', err => report('[unhandled rejection]', err))
}

module.exports = { startEmbeddedServer, settingsFor, parseArgs, VERSION, SURVIVAL_PLUGINS }
if (require.main === module) main()
