'use strict'
// Comparing what the server holds with what the bot believes it holds. The server is authoritative; a
// mechanic only works through mineflayer if both views agree after every action.
const { waitFor, CheckFailure, tally } = require('./util')

function enchantList (item, registry) {
  let raw
  try { raw = item.enchants } catch { raw = null }
  if (raw && !Array.isArray(raw) && Array.isArray(raw.enchantments)) raw = raw.enchantments
  if (!Array.isArray(raw)) return []
  return raw.map(e => ({
    name: e.name ?? registry.enchantments[e.id]?.name ?? `#${e.id}`,
    lvl: e.lvl ?? e.level
  }))
}

function damageOf (item) {
  try { return item.durabilityUsed || 0 } catch { return 0 }
}

/** A comparable text for one slot. */
function slotText (item, registry) {
  if (!item) return '-'
  const dmg = damageOf(item)
  const ench = enchantList(item, registry).map(e => `${e.name}${e.lvl}`).sort().join('+')
  return `${item.name}×${item.count}${dmg ? ` dmg${dmg}` : ''}${ench ? ` [${ench}]` : ''}`
}

/** Slot-by-slot differences between the server's and the bot's player inventory (and cursor). */
function inventoryDiff (player, bot, registry) {
  const diffs = []
  const n = Math.max(player.inventory.slots.length, bot.inventory.slots.length)
  for (let slot = 0; slot < n; slot++) {
    const s = slotText(player.inventory.slots[slot], registry)
    const b = slotText(bot.inventory.slots[slot], registry)
    if (s !== b) diffs.push(`slot ${slot}: server ${s}, bot ${b}`)
  }
  return diffs
}

/** Wait until the server and the bot agree on every slot; fail with the differences otherwise. */
async function expectInventoriesAgree (player, bot, registry, ms = 3000, when = '') {
  try {
    await waitFor(() => inventoryDiff(player, bot, registry).length === 0, ms, 'inventories to agree')
  } catch {
    const diffs = inventoryDiff(player, bot, registry)
    throw new CheckFailure(`server and bot inventories disagree${when ? ' ' + when : ''}: ${diffs.slice(0, 4).join('; ')}${diffs.length > 4 ? ` (+${diffs.length - 4} more)` : ''}`)
  }
}

/** {name: count} over every slot of the player's inventory window, the cursor included. */
function serverTally (player) {
  const items = [...player.inventory.slots]
  if (player.inventory.selectedItem) items.push(player.inventory.selectedItem)
  return tally(items.filter(Boolean))
}

function botTally (bot) {
  const items = [...bot.inventory.slots]
  if (bot.inventory.selectedItem) items.push(bot.inventory.selectedItem)
  return tally(items.filter(Boolean))
}

function countIn (t, name) {
  return t[name] || 0
}

module.exports = { slotText, inventoryDiff, expectInventoriesAgree, serverTally, botTally, countIn, enchantList, damageOf }
