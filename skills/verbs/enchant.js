'use strict'
// enchant:<item>: enchant an item at an enchanting table (a nearby one, or one placed from the inventory)
// with lapis lazuli and XP levels, taking the dearest option the levels and lapis allow.
const { SkillError } = require('../lib/errors')
const { throwIfAborted, waitUntil } = require('../lib/cancel')
const { count } = require('../lib/inventory')
const { ensureStation } = require('../lib/stations')
const { openWindow, closeOnAbort, windowStep, finishWindow } = require('../lib/windows')
const { enchanting } = require('../lib/world_package')

function enchantmentsOf (item, registry) {
  const comps = item?.components || []
  const comp = comps.find(c => c.type === 'enchantments' || c.type === 'stored_enchantments')
  return (comp?.data?.enchantments || []).map(e => ({ name: registry.enchantments[e.id]?.name ?? `#${e.id}`, level: e.level }))
}

async function enchant (ctx, target) {
  const { bot, registry, signal } = ctx
  throwIfAborted(signal)
  const items = bot.inventory.items().filter(i => i.name === target)
  if (items.length === 0) throw new SkillError('missing_items', `no ${target} in the inventory to enchant`)
  if (!items.some(i => enchantmentsOf(i, registry).length === 0)) {
    throw new SkillError('failed', `every ${target} in the inventory is already enchanted`)
  }
  if (count(bot, 'lapis_lazuli') === 0) throw new SkillError('missing_items', 'enchanting needs lapis_lazuli (mine lapis_ore)')
  if ((bot.experience?.level ?? 0) < 1) {
    throw new SkillError('failed', 'enchanting needs XP level 1 or more (mine coal/lapis/redstone/diamond ores, smelt, or kill mobs)')
  }
  const block = await ensureStation(ctx, 'enchanting_table')
  ctx.progress(`opening the enchanting table at ${block.position}`)
  const table = await openWindow(ctx, bot.openEnchantmentTable(block))
  const release = closeOnAbort(ctx, table)
  let closed = false
  try {
    const inWindow = () => table.slots.slice(table.inventoryStart, table.inventoryEnd).filter(Boolean)
    const item = inWindow().find(i => i.name === target && enchantmentsOf(i, registry).length === 0)
    const lapis = inWindow().find(i => i.name === 'lapis_lazuli')
    if (!item || !lapis) throw new SkillError('missing_items', `the ${item ? 'lapis_lazuli' : target} is not in the inventory any more`)
    await windowStep(ctx, table.putTargetItem(item), `putting the ${target} on the table`)
    await windowStep(ctx, table.putLapis(lapis), 'putting the lapis in')
    const offered = await waitUntil(ctx, () => table.enchantments.some(e => e.level > 0), 5000)
    if (!offered) throw new SkillError('failed', `the table offers no enchantment for ${target}`)
    const level = bot.experience.level
    const lapisIn = table.slots[1]?.count ?? 0
    let choice = -1
    for (let i = 2; i >= 0; i--) {
      const cost = table.enchantments[i].level
      if (cost > 0 && cost <= level && lapisIn >= i + 1) { choice = i; break }
    }
    if (choice < 0) {
      const cheapest = Math.min(...table.enchantments.map(e => e.level).filter(l => l > 0))
      throw new SkillError('failed', `XP level ${level} is below the cheapest offer (level ${cheapest})`)
    }
    const cost = table.enchantments[choice].level
    ctx.progress(`enchanting ${target}: option ${choice + 1} (level ${cost})`)
    await windowStep(ctx, table.enchant(choice), 'enchanting')
    await waitUntil(ctx, () => enchantmentsOf(table.slots[0], registry).length > 0, 3000)
    const applied = enchantmentsOf(table.slots[0], registry)
    if (applied.length === 0) throw new SkillError('failed', `the server did not enchant the ${target}`)
    await windowStep(ctx, table.takeTargetItem(), `taking the ${target} back`)
    if (table.slots[1]) await windowStep(ctx, bot.putAway(1), 'taking the lapis back')
    closed = true
    await finishWindow(ctx, table)
    ctx.progress(`${target} enchanted: ${applied.map(e => `${e.name} ${e.level}`).join(', ')}`)
    return { item: target, option: choice + 1, cost, enchantments: applied, table_placed: Boolean(block.placed) }
  } finally {
    release()
    if (!closed) try { bot.closeWindow(table) } catch {}
  }
}

module.exports = {
  verb: 'enchant',
  target: 'item',
  description: target => `enchant a ${target} at an enchanting table with lapis lazuli and experience levels`,
  args: {},
  validTarget: target => enchanting.enchantability(target) > 0,
  run: enchant
}
