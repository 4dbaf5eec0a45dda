'use strict'
// check-world: start a fresh embedded server in this process, connect a mineflayer bot (pathfinder and
// collectblock loaded) and exercise every survival mechanic through the protocol with mineflayer's standard
// API. Preconditions are set up server-side as fixtures; the mechanic itself goes through the bot.
//
// usage: node world/check/check_world.js [--seed N] [--recipes all|N] [--only PREFIX[,PREFIX...]] [--verbose]
// stdout: one JSON document {seed, rows:[{mechanic, ok, seconds, detail}], recipe_coverage, ore_census, ok}
// stderr: one progress line per finished check (and the server's log with --verbose)
// exit: 0 all rows pass, 1 some row failed, 2 bad arguments, 3 the server or the bot could not start
const { startEmbeddedServer } = require('../embedded_server.js')
const { createFixtures } = require('./fixtures')
const { createSession } = require('./harness')
const { recipeCoverage } = require('./recipes')
const { scanRegion, oreCensus } = require('./world_scan')
const { sleep } = require('./util')
const { minecraft: VERSION } = require('../vanilla/versions.json')

const CHECKS = [
  ...require('./checks_world'),
  ...require('./checks_mobs'),
  ...require('./checks_blocks'),
  ...require('./checks_containers'),
  ...require('./checks_hardening')
]
const RECIPES_MECHANIC = 'craft.recipe_coverage'
const DEFAULT_RECIPES = 'all'

function parseArgs (argv) {
  const args = { seed: 1, recipes: DEFAULT_RECIPES, only: null, verbose: false, list: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value after ${a}`)
      return argv[++i]
    }
    if (a === '--seed') {
      const v = next()
      if (!/^-?\d+$/.test(v)) throw new Error(`bad --seed ${v} (an integer)`)
      args.seed = Number(v)
    } else if (a === '--recipes') {
      const v = next()
      if (v !== 'all' && !/^\d+$/.test(v)) throw new Error(`bad --recipes ${v} (all or a number)`)
      args.recipes = v === 'all' ? 'all' : Number(v)
    } else if (a === '--only') args.only = next().split(',').map(s => s.trim()).filter(Boolean)
    else if (a === '--verbose') args.verbose = true
    else if (a === '--list') args.list = true
    else throw new Error(`unknown argument ${a}`)
  }
  return args
}

/** The server logs to stdout; keep stdout for the JSON document and send everything else to stderr. */
function captureStdout (verbose) {
  const writeOut = process.stdout.write.bind(process.stdout)
  const tail = []
  process.stdout.write = (chunk, encoding, cb) => {
    const text = String(chunk)
    tail.push(text)
    if (tail.length > 200) tail.shift()
    if (verbose) return process.stderr.write(chunk, encoding, cb)
    if (typeof encoding === 'function') encoding()
    else if (typeof cb === 'function') cb()
    return true
  }
  console.log = (...a) => process.stdout.write(a.map(String).join(' ') + '\n')
  return { writeOut, tail }
}

function progress (line) {
  process.stderr.write(`[check-world] ${line}\n`)
}

function serverReady (serv, ms = 60000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the embedded server did not start within ${ms / 1000} s`)), ms)
    let pluginsReady = false // flying-squid emits 'pluginsReady' before it sets serv.pluginsReady
    const check = () => {
      if (serv.listeningPort && (pluginsReady || serv.pluginsReady)) {
        clearTimeout(timer)
        resolve(serv.listeningPort)
      }
    }
    serv.on('listening', check)
    serv.on('pluginsReady', () => { pluginsReady = true; check() })
    serv.on('error', err => { clearTimeout(timer); reject(err) })
    check()
  })
}

function selected (mechanic, only) {
  return !only || only.some(p => mechanic === p || mechanic.startsWith(p))
}

async function main () {
  let args
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`check_world: ${err.message}\n`)
    process.exit(2)
  }
  if (args.list) {
    for (const c of CHECKS) process.stdout.write(c.mechanic + '\n')
    process.stdout.write(RECIPES_MECHANIC + '\n')
    process.exit(0)
  }
  const { writeOut, tail } = captureStdout(args.verbose)
  const uncaught = []
  const dropped = [] // packets the server failed to serialize (plugins/packet_guard.js): a server bug to fix
  process.on('uncaughtException', err => { uncaught.push(String(err && err.stack ? err.stack.split('\n').slice(0, 2).join(' ') : err)); if (args.verbose) progress(`uncaught: ${err && err.stack}`) })
  process.on('unhandledRejection', err => { uncaught.push(`unhandled rejection: ${String(err && err.stack ? err.stack.split('\n').slice(0, 2).join(' ') : err)}`); if (args.verbose) progress(`unhandled rejection: ${err && err.stack}`) })

  const started = Date.now()
  const doc = { seed: args.seed, version: VERSION, rows: [], recipe_coverage: null, ore_census: null, ok: false, seconds: 0 }
  const finish = code => {
    doc.seconds = Math.round((Date.now() - started) / 100) / 10
    writeOut(JSON.stringify(doc) + '\n', () => process.exit(code))
  }

  let serv, port, session
  try {
    progress(`starting the embedded server (seed ${args.seed})`)
    // log 'stdout': the server's log goes through the capture above (kept as a tail, shown with --verbose).
    serv = startEmbeddedServer({ port: 0, seed: args.seed, log: 'stdout' })
    port = await serverReady(serv)
    serv.on('droppedPacket', d => dropped.push(`${d.name} to ${d.player}: ${d.error}`))
    const fx = createFixtures(serv)
    session = createSession({ serv, port, fx, seed: args.seed, log: progress })
    session.ctx.uncaught = uncaught
    progress(`server on 127.0.0.1:${port}; connecting the bot`)
    const bot = await session.ctx.ensureBot()
    session.ctx.spawn = bot.entity.position.clone()
    await sleep(2000)
    session.ctx.spawnSettledY = bot.entity.position.y
    session.ctx.spawnOnGround = bot.entity.onGround && Math.abs(bot.entity.position.y - session.ctx.spawn.y) < 1.01
  } catch (err) {
    doc.error = `could not start: ${err.message}`
    doc.server_log_tail = tail.slice(-20).join('')
    if (uncaught.length) doc.uncaught_errors = uncaught.slice(0, 20)
    progress(doc.error)
    return finish(3)
  }

  const { ctx, run } = session
  for (const check of CHECKS) {
    if (!selected(check.mechanic, args.only)) continue
    const row = await run(check)
    doc.rows.push(row)
    progress(`${row.ok ? 'PASS' : 'FAIL'} ${row.mechanic} (${row.seconds} s) ${row.detail}`)
  }

  if (args.recipes !== 0 && selected(RECIPES_MECHANIC, args.only)) {
    const timeout = args.recipes === 'all' ? 3600 : Math.max(120, args.recipes * 3)
    let coverage = null
    const row = await run({
      mechanic: RECIPES_MECHANIC,
      timeout,
      fn: async c => {
        coverage = await recipeCoverage(c, args.recipes)
        if (!coverage.available || coverage.total === 0 || coverage.passed < coverage.total) {
          const { CheckFailure } = require('./util')
          throw new CheckFailure(coverage.detail)
        }
        return coverage.detail
      }
    })
    doc.rows.push(row)
    doc.recipe_coverage = coverage || { available: false, total: 0, passed: 0, share: 0, failures: [], detail: row.detail }
    progress(`${row.ok ? 'PASS' : 'FAIL'} ${row.mechanic} (${row.seconds} s) ${row.detail}`)
  }

  try {
    if (!ctx.cache.census) {
      const scan = await scanRegion(serv.overworld, serv.registry, ctx.spawn, 4)
      ctx.cache.census = oreCensus(scan)
    }
    doc.ore_census = ctx.cache.census
  } catch (err) {
    doc.ore_census = { error: err.message }
  }

  doc.ok = doc.rows.length > 0 && doc.rows.every(r => r.ok)
  if (uncaught.length) doc.uncaught_errors = uncaught.slice(0, 20)
  if (dropped.length) {
    doc.dropped_packets = dropped.slice(0, 20)
    progress(`the server dropped ${dropped.length} packet(s) it could not serialize: ${dropped[0]}`)
  }
  const failed = doc.rows.filter(r => !r.ok).length
  progress(`${doc.rows.length - failed}/${doc.rows.length} mechanics pass`)
  try { ctx.bot?.end() } catch {}
  await sleep(200)
  try { await (serv.stop ? serv.stop() : serv.destroy()) } catch {}
  finish(doc.ok ? 0 : 1)
}

main().catch(err => {
  process.stderr.write(`check_world: ${err && err.stack ? err.stack : err}\n`)
  process.exit(3)
})
