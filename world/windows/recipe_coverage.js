'use strict'
// Recipe coverage: for every crafting recipe of minecraft-data (or a sample), give a real mineflayer bot
// exactly the ingredients, let mineflayer's own bot.craft make it at a crafting table, and check on the
// server that the result arrived, the ingredients were used up, craft remainders (buckets, bottles) came
// back, and the client's inventory equals the server's slot by slot.
// Giving the ingredients writes the server player's inventory directly: a test fixture, not a game assist.
//
// Library: measureRecipeCoverage({bot, serv, player, table, sample, seed, grid, onProgress}) -> report.
// grid 'table' crafts everything at the table; 'auto' crafts what fits in the inventory's 2x2 grid there.
// Command: node world/windows/recipe_coverage.js [--sample N] [--seed S] [--grid table|auto] [--json]
//   (starts its own embedded server and bot; prints the report; exit 0 iff every tested recipe passed).

const path = require('path')
const { CRAFT_REMAINDERS } = require('./recipes')
const { minecraft: VERSION } = require('../vanilla/versions.json')

const CRAFT_TIMEOUT_MS = 15000
const SYNC_TIMEOUT_MS = 5000

/** Every crafting recipe as {resultId, index, raw}; index is its place in registry.recipes[resultId]. */
function listRecipes (registry) {
  const all = []
  for (const [id, list] of Object.entries(registry.recipes || {})) {
    list.forEach((raw, index) => all.push({ resultId: Number(id), index, raw }))
  }
  return all
}

/** Item id -> count that one craft of `raw` uses. */
function ingredientCounts (raw) {
  const counts = new Map()
  const cells = raw.inShape ? raw.inShape.flat() : (raw.ingredients || [])
  for (const c of cells) {
    const id = typeof c === 'object' && c !== null ? c.id : c
    if (id == null || id < 0) continue
    counts.set(id, (counts.get(id) || 0) + 1)
  }
  return counts
}

/** Name -> count the inventory should hold after one craft. */
function expectedAfter (registry, raw) {
  const out = {}
  const add = (name, n) => { out[name] = (out[name] || 0) + n }
  add(registry.items[raw.result.id].name, raw.result.count || 1)
  for (const [id, n] of ingredientCounts(raw)) {
    const remainder = CRAFT_REMAINDERS[registry.items[id].name]
    if (remainder) add(remainder, n)
  }
  return out
}

function inventoryCounts (player) {
  const out = {}
  for (let i = 1; i < player.inventory.slots.length; i++) {
    const it = player.inventory.slots[i]
    if (it) out[it.name] = (out[it.name] || 0) + it.count
  }
  return out
}

function sameCounts (a, b) {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  for (const k of keys) if ((a[k] || 0) !== (b[k] || 0)) return false
  return true
}

function clientMatchesServer (player, bot) {
  for (let i = 1; i < 46; i++) {
    const s = player.inventory.slots[i]
    const c = bot.inventory.slots[i]
    if (!s && !c) continue
    if (!s || !c || s.type !== c.type || s.count !== c.count) return false
  }
  return !bot.inventory.selectedItem
}

async function waitUntil (cond, ms) {
  const start = Date.now()
  while (Date.now() - start < ms) {
    if (cond()) return true
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  return cond()
}

function withTimeout (promise, ms, what) {
  let timer
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms) })
  ])
}

function giveIngredients (serv, player, raw) {
  const Item = require('prismarine-item')(serv.registry)
  const inv = player.inventory
  for (let i = 0; i < inv.slots.length; i++) if (inv.slots[i]) inv.updateSlot(i, null)
  const order = [36, 37, 38, 39, 40, 41, 42, 43, 44]
  for (let i = 9; i < 36; i++) order.push(i)
  let next = 0
  for (const [id, count] of ingredientCounts(raw)) {
    const stack = serv.registry.items[id].stackSize || 1
    for (let left = count; left > 0;) {
      const n = Math.min(left, stack)
      inv.updateSlot(order[next++], new Item(id, n))
      left -= n
    }
  }
}

// A deterministic sample: the same seed and size always test the same recipes.
function sampleOf (list, size, seed) {
  const { createRandom } = require('../util/random')
  const random = createRandom(seed)
  const copy = [...list]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j], copy[i]]
  }
  return copy.slice(0, size)
}

/**
 * bot: a spawned mineflayer bot; player: its server player; table: the mineflayer Block of a crafting table
 * within reach. sample: test only that many recipes (null = all). Returns
 * {total, tested, passed, failures: [{recipe, index, reason}], failuresByReason, ms, msPerRecipe}.
 */
async function measureRecipeCoverage ({ bot, serv, player, table, sample = null, seed = 1, grid = 'table', onProgress = null }) {
  const registry = serv.registry
  const all = listRecipes(registry)
  const chosen = sample && sample < all.length ? sampleOf(all, sample, seed) : all
  const failures = []
  const start = Date.now()
  let passed = 0
  for (let k = 0; k < chosen.length; k++) {
    const { resultId, index, raw } = chosen[k]
    const name = registry.items[resultId].name
    const reason = await tryOne({ bot, serv, player, table, resultId, index, raw, grid })
    if (reason) failures.push({ recipe: name, index, reason })
    else passed++
    if (onProgress) onProgress({ done: k + 1, of: chosen.length, passed, recipe: name, reason })
  }
  const ms = Date.now() - start
  const failuresByReason = {}
  for (const f of failures) {
    const key = f.reason.replace(/\d+/g, 'N').slice(0, 120)
    failuresByReason[key] = (failuresByReason[key] || 0) + 1
  }
  return {
    total: all.length,
    tested: chosen.length,
    passed,
    failures,
    failuresByReason,
    ms,
    msPerRecipe: chosen.length ? Math.round(ms / chosen.length) : 0
  }
}

async function tryOne ({ bot, serv, player, table, resultId, index, raw, grid }) {
  giveIngredients(serv, player, raw)
  if (!await waitUntil(() => clientMatchesServer(player, bot), SYNC_TIMEOUT_MS)) return 'the bot never saw its ingredients'
  const recipe = bot.recipesAll(resultId, null, table)[index]
  if (!recipe) return 'mineflayer has no such recipe'
  const where = grid === 'auto' && !recipe.requiresTable ? null : table
  try {
    await withTimeout(bot.craft(recipe, 1, where), CRAFT_TIMEOUT_MS, 'bot.craft')
  } catch (err) {
    await closeAny(bot)
    return `bot.craft failed: ${String(err.message || err).split('\n')[0].slice(0, 200)}`
  }
  const expected = expectedAfter(serv.registry, raw)
  await waitUntil(() => sameCounts(inventoryCounts(player), expected) && clientMatchesServer(player, bot), SYNC_TIMEOUT_MS)
  const got = inventoryCounts(player)
  if (!sameCounts(got, expected)) return `server inventory ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`
  if (!clientMatchesServer(player, bot)) return 'client inventory differs from the server'
  return null
}

async function closeAny (bot) {
  try {
    if (bot.currentWindow) bot.closeWindow(bot.currentWindow)
  } catch {}
  await new Promise(resolve => setTimeout(resolve, 200))
}

async function main () {
  const args = process.argv.slice(2)
  const opt = (name, def) => {
    const i = args.indexOf(name)
    return i >= 0 ? Number(args[i + 1]) : def
  }
  const sample = opt('--sample', null)
  const seed = opt('--seed', 1)
  const gi = args.indexOf('--grid')
  const grid = gi >= 0 ? args[gi + 1] : 'table'
  const json = args.includes('--json')
  const { once } = require('events')
  const { Vec3 } = require('vec3')
  const mineflayer = require('mineflayer')
  const { startEmbeddedServer } = require(path.join(__dirname, '..', 'embedded_server.js'))
  const serv = startEmbeddedServer({ port: 0, seed: 1, world: 'flat', log: 'quiet' })
  const [port] = await once(serv, 'listening')
  const bot = mineflayer.createBot({ host: '127.0.0.1', port, username: 'coverage', version: VERSION, auth: 'offline' })
  await once(bot, 'spawn')
  const player = serv.players.find(p => p.username === 'coverage')
  await waitUntil(() => player.windows, 10000)
  const pos = player.position.floored().plus(new Vec3(2, 0, 0))
  await serv.setBlock(player.world, pos, serv.registry.blocksByName.crafting_table.defaultState)
  await waitUntil(() => bot.blockAt(pos)?.name === 'crafting_table', 10000)
  const report = await measureRecipeCoverage({
    bot,
    serv,
    player,
    table: bot.blockAt(pos),
    sample,
    seed,
    grid,
    onProgress: json ? null : ({ done, of, passed }) => { if (done % 100 === 0 || done === of) process.stderr.write(`${done}/${of} tested, ${passed} passed\n`) }
  })
  if (json) process.stdout.write(JSON.stringify(report) + '\n')
  else {
    console.log(`recipes: ${report.passed}/${report.tested} passed (${report.total} in minecraft-data) in ${(report.ms / 1000).toFixed(1)} s, ${report.msPerRecipe} ms each`)
    for (const [reason, n] of Object.entries(report.failuresByReason)) console.log(`  ${n} x ${reason}`)
  }
  bot.quit()
  await serv.stop().catch(() => {})
  process.exit(report.passed === report.tested ? 0 : 1)
}

module.exports = { measureRecipeCoverage, listRecipes, ingredientCounts, expectedAfter }
if (require.main === module) main().catch(err => { console.error(err); process.exit(2) })
