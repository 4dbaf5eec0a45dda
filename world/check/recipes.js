'use strict'
// Recipe coverage: the share of minecraft-data crafting recipes that bot.craft completes when the bot is
// given the ingredients. The measurement itself belongs to the windows module
// (world/windows/recipe_coverage.js, measureRecipeCoverage); this adapter runs it in a fresh
// arena with a crafting table and reports "not available" while that module does not exist.
const fs = require('fs')
const path = require('path')

const COVERAGE_MODULE = path.join(__dirname, '..', 'windows', 'recipe_coverage.js')

function loadCoverage () {
  if (!fs.existsSync(COVERAGE_MODULE)) return null
  const mod = require(COVERAGE_MODULE)
  return typeof mod.measureRecipeCoverage === 'function' ? mod.measureRecipeCoverage : null
}

/** Returns {total, passed, share, failures, available, detail}. `sample`: 'all' or a number of recipes. */
async function recipeCoverage (ctx, sample) {
  const measure = loadCoverage()
  if (!measure) {
    return { available: false, total: 0, passed: 0, share: 0, failures: [], detail: 'not available: world/windows/recipe_coverage.js (measureRecipeCoverage) is missing' }
  }
  const { bot, fx, serv } = ctx
  const arena = await fx.arena(bot)
  const table = await fx.place(bot, arena.at(2, 1, 0), 'crafting_table')
  const limit = sample === 'all' ? null : Number(sample)
  const result = await measure({
    bot,
    serv,
    player: fx.playerOf(bot),
    table,
    sample: limit,
    seed: ctx.seed,
    grid: 'auto', // 2x2 recipes in the inventory grid, the rest at the table, as a player would
    onProgress: ({ done, of, passed }) => { if (done % 50 === 0 || done === of) ctx.log(`recipes: ${done}/${of} tested, ${passed} passed`) }
  })
  const tested = Number(result?.tested ?? result?.total ?? 0)
  const passed = Number(result?.passed ?? 0)
  const failures = Array.isArray(result?.failures) ? result.failures : []
  const reasons = Object.entries(result?.failuresByReason || {}).sort((a, b) => b[1] - a[1])
  return {
    available: true,
    total: tested,
    passed,
    share: tested ? passed / tested : 0,
    recipes_in_minecraft_data: Number(result?.total ?? tested),
    sample: limit ?? 'all',
    failures,
    failures_by_reason: result?.failuresByReason || {},
    seconds: Math.round((result?.ms || 0) / 100) / 10,
    detail: `${passed}/${tested} ${limit ? 'sampled ' : ''}recipes crafted by bot.craft (of ${result?.total ?? '?'} in minecraft-data)` +
      (reasons.length ? `; failures: ${reasons.slice(0, 3).map(([r, n]) => `${n}× ${r}`).join('; ')}` : '')
  }
}

module.exports = { recipeCoverage, COVERAGE_MODULE }
