'use strict'
// Shared setup for the skill tests: a fresh embedded server and a prepared bot, and a runner that parses a
// token and runs it the way the bridge does.
const test = require('node:test')
const assert = require('node:assert/strict')
const mcData = require('minecraft-data')
const { minecraftVersion, worldTestHelpers } = require('./world_package')
const { prepareBot } = require('./bot_setup')
const { inventoryCounts } = require('./inventory')
const { parseSkill, runSkill } = require('../runner')
const { SkillInputError } = require('./errors')

const helpers = worldTestHelpers()

async function setup ({ seed = 1, world = 'survival', username = 'skiller' } = {}) {
  const w = await helpers.startWorld({ seed, world })
  if (w.serv.mobs?.ready) await w.serv.mobs.ready
  const bot = await helpers.connectBot(w.port, username)
  prepareBot(bot)
  await bot.waitForTicks(10)
  return { world: w, serv: w.serv, bot }
}

/**
 * A test on a fresh embedded world with a prepared bot (`world`: setup's options), stopped after it:
 * body(t, { world, serv, bot }). exitAfter: end the process soon after, for a file whose last test it is
 * (mineflayer leaves 20 s timers behind for awaited events; do not wait for them).
 */
function worldTest (name, { timeout, exitAfter = false, ...world }, body) {
  return test(name, { timeout }, async t => {
    const ctx = await setup(world)
    t.after(async () => {
      await helpers.stopWorld(ctx.world, ctx.bot)
      if (!exitAfter) return
      process.stdin.unref?.()
      setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref()
    })
    await body(t, ctx)
  })
}

/** Scenes on the flat world: the bot's feet (origin), a block's name as the server has it, and scene(pos,
 * name) to set a block on the server and wait until the bot sees it. */
function flatScene (serv, bot) {
  const origin = bot.entity.position.floored() // feet; the ground (grass) is at y - 1
  const serverName = async pos => (await serv.overworld.getBlock(pos)).name
  async function scene (pos, name) {
    await helpers.setBlockFixture(serv, pos, name)
    await helpers.waitFor(() => bot.blockAt(pos)?.name === name, 5000, `${name} at ${pos}`)
  }
  return { origin, serverName, scene }
}

/** Every token parses; `token` or [token, args]. */
function assertParses (registry, tokens) {
  for (const entry of tokens) {
    const [token, args] = Array.isArray(entry) ? entry : [entry, {}]
    parseSkill(token, args, registry)
  }
}

/** Every token is refused before anything runs (a SkillInputError, of `kind` when given). */
function assertRefused (registry, tokens, kind) {
  for (const token of tokens) {
    assert.throws(() => parseSkill(token, {}, registry), e => e instanceof SkillInputError && (!kind || e.kind === kind), token)
  }
}

/** A verb's targets: the valid tokens parse, the invalid ones are refused. */
function assertTokens (registry, valid, invalid, kind) {
  assertParses(registry, valid)
  assertRefused(registry, invalid, kind)
}

/** The game's registry, for tests that parse tokens without a world. */
function offlineRegistry () {
  return mcData(minecraftVersion)
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

/** Empty the server-side inventory of the bot (fixture) and wait until the bot sees it empty (slow on a busy machine). */
async function clearInventory (serv, bot) {
  const player = helpers.serverPlayer(serv, bot)
  for (let slot = 5; slot <= 45; slot++) if (player.inventory.slots[slot]) player.inventory.updateSlot(slot, null)
  await helpers.waitFor(() => Object.keys(inventoryCounts(bot)).length === 0, 10000, 'an empty inventory')
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

module.exports = { ...helpers, setup, worldTest, flatScene, assertParses, assertRefused, assertTokens, offlineRegistry, run, clearInventory, assertStopped, parseSkill, runSkill, inventoryCounts }
