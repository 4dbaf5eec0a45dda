'use strict'
// Recipe coverage: the share of minecraft-data crafting recipes that bot.craft completes when the bot is
// given the ingredients. The measurement itself belongs to the windows module
// (bridge/server/windows/recipe_coverage.js, measureRecipeCoverage); this adapter runs it in a fresh
// arena with a crafting table and reports "not available" while that module does not exist.
const fs = require('fs')
const path = require('path')

const COVERAGE_MODULE = path.join(__dirname, '..', 'server', 'windows', 'recipe_coverage.js')

function loadCoverage () {
  if (!fs.existsSync(COVERAGE_MODULE)) return null
  const mod = require(COVERAGE_MODULE)
  return typeof mod.measureRecipeCoverage === 'function' ? mod.measureRecipeCoverage : null
}

/** Returns {total, passed, share, failures, available, detail}. `sample`: 'all' or a number of recipes. */
async function recipeCoverage (ctx, sample) {
  const measure = loadCoverage()
  if (!measure) {
    return { available: false, total: 0, passed: 0, share: 0, failures: [], detail: 'not available: bridge/server/windows/recipe_coverage.js (measureRecipeCoverage) is missing' }
  }
  const { bot, fx, serv } = ctx
  const arena = await fx.arena(bot)
  const table = await fx.place(bot, arena.at(2, 1, 0), 'crafting_table')
  const limit = sample === 'all' ? null : Number(sample)
  const result = await measure({
    serv,
    bot,
    registry: ctx.registry,
    player: fx.playerOf(bot),
    craftingTable: table,
    fixtures: fx,
    sample: limit,
    limit,
    seed: ctx.seed,
    log: ctx.log
  })
  const total = Number(result?.total ?? 0)
  const passed = Number(result?.passed ?? 0)
  const failures = Array.isArray(result?.failures) ? result.failures : []
  return {
    available: true,
    total,
    passed,
    share: total ? passed / total : 0,
    failures,
    sample: limit ?? 'all',
    detail: `${passed}/${total} recipes crafted by bot.craft${failures.length ? `; first failures: ${failures.slice(0, 3).map(f => typeof f === 'string' ? f : (f.item || f.name || JSON.stringify(f))).join(', ')}` : ''}`
  }
}

module.exports = { recipeCoverage, COVERAGE_MODULE }
