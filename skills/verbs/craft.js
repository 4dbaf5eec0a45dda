'use strict'
// craft:<item>: craft from the inventory, in the 2x2 grid when the recipe fits, otherwise at a crafting table
// (a nearby one, or one placed from the inventory). args.count is the number of ITEMS wanted; it is rounded
// up to whole crafts (craft:stick count 8 = two crafts of 4 sticks; count 1 still makes 4).
const { SkillError, clientFailure } = require('../lib/errors')
const { abortable, throwIfAborted, sleep } = require('../lib/cancel')
const { inventoryCounts, count } = require('../lib/inventory')
const { ensureStation, syncInventory } = require('../lib/stations')

/** What the bot lacks for `crafts` crafts of `recipe`: [{name, need, have}]. */
function shortfall (bot, recipe, crafts) {
  const inv = inventoryCounts(bot)
  const missing = []
  for (const d of recipe.delta) {
    if (d.count >= 0) continue
    const name = bot.registry.items[d.id]?.name ?? `item#${d.id}`
    const need = -d.count * crafts
    const have = inv[name] || 0
    if (have < need) missing.push({ name, need, have })
  }
  return missing
}

// Among equally close recipes (the same shape in another wood), name the common variant.
const variantRank = names => names.some(n => /(^|[^a-z])oak_/.test(n) && !/(dark|pale)_oak/.test(n)) ? 0 : 1

/** A message naming what is missing for the recipe of `itemName` that is closest to craftable now. */
function missingMessage (bot, itemName, itemId, wanted) {
  const recipes = bot.recipesAll(itemId, null, true)
  if (recipes.length === 0) return `${itemName} has no crafting recipe`
  const scored = recipes.map(recipe => {
    const crafts = Math.ceil(wanted / recipe.result.count)
    const missing = shortfall(bot, recipe, crafts)
    const short = missing.reduce((n, m) => n + m.need - m.have, 0)
    const used = recipe.delta.filter(d => d.count < 0).map(d => bot.registry.items[d.id]?.name)
    return { recipe, crafts, missing, short, rank: variantRank(used) }
  }).sort((a, b) => a.short - b.short || a.rank - b.rank)
  const best = scored[0]
  const table = best.recipe.requiresTable ? ' (at a crafting table)' : ''
  if (best.missing.length === 0) {
    return `cannot craft ${wanted} ${itemName}${table}: the ingredients are there but the recipe did not match`
  }
  const parts = best.missing.map(m => `${m.need - m.have} ${m.name} (have ${m.have}, need ${m.need})`)
  const others = scored.filter(s => s.short === best.short).length > 1 ? '; other wood/stone variants work too' : ''
  return `cannot craft ${wanted} ${itemName}${table}: missing ${parts.join(', ')}${others}`
}

async function craftItem (ctx, target, { count: wanted }) {
  const { bot, registry, signal } = ctx
  throwIfAborted(signal)
  const itemId = registry.itemsByName[target].id
  // 2x2 first: no table needed
  let recipe = bot.recipesFor(itemId, null, wanted, null)[0]
  let table = null
  if (!recipe) {
    // `true` stands for "some table": recipesFor only checks the inventory against it
    const withTable = bot.recipesFor(itemId, null, wanted, true)
    if (withTable.length === 0) throw new SkillError('missing_items', missingMessage(bot, target, itemId, wanted))
    ctx.progress(`${target} needs a crafting table`)
    table = await ensureStation(ctx, 'crafting_table')
    recipe = bot.recipesFor(itemId, null, wanted, table)[0]
    if (!recipe) throw new SkillError('missing_items', missingMessage(bot, target, itemId, wanted))
  }
  const crafts = Math.ceil(wanted / recipe.result.count)
  const expected = crafts * recipe.result.count
  const before = count(bot, target)
  ctx.progress(`crafting ${crafts} x ${target}${table ? ' at a crafting table' : ''}`)
  try {
    await abortable(signal, bot.craft(recipe, crafts, table), () => {
      if (bot.currentWindow) bot.closeWindow(bot.currentWindow)
    })
  } catch (err) {
    if (signal.aborted) throw signal.reason
    throw clientFailure(`crafting ${target}`, err)
  }
  // the last clicks may still be in flight: a resync answers after the server has applied them
  if (!table) await syncInventory(ctx)
  for (let i = 0; i < 20 && count(bot, target) - before < expected; i++) await sleep(signal, 100)
  const made = count(bot, target) - before
  if (made < expected) throw new SkillError('failed', `crafted ${made} of ${expected} ${target}: the server did not confirm the rest`)
  ctx.progress(`crafted ${made} ${target}`)
  return { item: target, crafted: made, crafts, used_table: Boolean(table), placed_table: Boolean(table?.placed) }
}

module.exports = {
  verb: 'craft',
  target: 'item',
  description: target => `craft ${target} from ingredients in the inventory, using a crafting table when the recipe needs one (count = items wanted)`,
  args: { count: { type: 'integer', min: 1, max: 64, default: 1 } },
  validTarget: (target, registry) => {
    const item = Object.hasOwn(registry.itemsByName, target) && registry.itemsByName[target]
    return Boolean(item && registry.recipes?.[item.id]?.length)
  },
  run: craftItem
}
