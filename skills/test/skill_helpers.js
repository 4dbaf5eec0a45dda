'use strict'
// Shared setup for the skill tests: a fresh embedded server and a prepared bot, and a runner that parses a
// token and runs it the way the bridge does.
const path = require('path')
const BRIDGE = path.join(__dirname, '..', '..', 'bridge')
const helpers = require(path.join(BRIDGE, 'test', 'helpers.js'))
const { prepareBot, inventoryCounts } = require('../runtime/common')
const { parseSkill, runSkill } = require('../runtime/index')

async function setup ({ seed = 1, world = 'survival', username = 'skiller' } = {}) {
  const w = await helpers.startWorld({ seed, world })
  if (w.serv.mobs?.ready) await w.serv.mobs.ready
  const bot = await helpers.connectBot(w.port, username)
  prepareBot(bot)
  await bot.waitForTicks(10)
  return { world: w, serv: w.serv, bot }
}

/** Parse and run a token; returns the skill result plus the progress messages. */
async function run (bot, token, args = {}, opts = {}) {
  const parsed = parseSkill(token, args, bot.registry)
  const progress = []
  const started = Date.now()
  const verbose = process.env.SKILL_TEST_VERBOSE
  const onProgress = m => { progress.push(m); if (verbose) console.log(`  [${((Date.now() - started) / 1000).toFixed(1)}s] ${m}`) }
  const log = m => { if (verbose) console.log(`  [${((Date.now() - started) / 1000).toFixed(1)}s]   log: ${m}`) }
  const result = await runSkill(bot, parsed, { onProgress, log, ...opts })
  result.progress = progress
  if (process.env.SKILL_TEST_VERBOSE) {
    console.log(`${token} ${JSON.stringify(args)} -> ${JSON.stringify({ ok: result.ok, error: result.error, delta: result.inventory_delta, detail: result.detail })} in ${Date.now() - started} ms`)
  }
  return result
}

/** Empty the server-side inventory of the bot (fixture) and wait until the bot sees it empty. */
async function clearInventory (serv, bot) {
  const player = helpers.serverPlayer(serv, bot)
  for (let slot = 5; slot <= 45; slot++) if (player.inventory.slots[slot]) player.inventory.updateSlot(slot, null)
  await helpers.waitFor(() => Object.keys(inventoryCounts(bot)).length === 0, 3000, 'an empty inventory')
}

/** The bot has stopped: no pathfinder goal, no digging, no walking over `ms`. */
async function assertStopped (bot, ms = 1000) {
  await new Promise(resolve => setTimeout(resolve, 600)) // momentum, or a fall that was under way
  const p0 = bot.entity.position.clone()
  await new Promise(resolve => setTimeout(resolve, ms))
  // horizontal only: a bot left in water sinks or bobs, which is not walking
  const moved = Math.hypot(bot.entity.position.x - p0.x, bot.entity.position.z - p0.z)
  const state = { moving: bot.pathfinder.isMoving(), goal: !!bot.pathfinder.goal, digging: !!bot.targetDigBlock, moved, inWater: bot.entity.isInWater, onGround: bot.entity.onGround }
  if (state.moving || state.goal || state.digging || moved > 0.2) throw new Error(`the bot did not stop: ${JSON.stringify(state)}`)
}

module.exports = { ...helpers, setup, run, clearInventory, assertStopped, parseSkill, runSkill, inventoryCounts }
