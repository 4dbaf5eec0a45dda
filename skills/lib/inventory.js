'use strict'
// Counting what the bot holds: totals by item name, the change between two counts, and what a skill gained.

/** Totals by item name over the whole inventory (armor, hotbar, offhand, cursor excluded). */
function inventoryCounts (bot) {
  const counts = {}
  for (const item of bot.inventory?.items() || []) counts[item.name] = (counts[item.name] || 0) + item.count
  for (const slot of [5, 6, 7, 8, 45]) { // armor and offhand are not in items()
    const item = bot.inventory?.slots[slot]
    if (item) counts[item.name] = (counts[item.name] || 0) + item.count
  }
  return counts
}

function inventoryDelta (before, after) {
  const delta = {}
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const d = (after[name] || 0) - (before[name] || 0)
    if (d) delta[name] = d
  }
  return delta
}

function count (bot, name) {
  return inventoryCounts(bot)[name] || 0
}

/** Items of `names` gained between two counts (losses of one name do not offset gains of another). */
function gainedOf (before, after, names) {
  return names.reduce((n, name) => n + Math.max(0, (after[name] || 0) - (before[name] || 0)), 0)
}

// Blocks that building (a staircase step, a floor over a cave) may use up: common stone and dirt, never
// anything the tech tree needs.
const SCAFFOLD = ['cobblestone', 'cobbled_deepslate', 'dirt', 'stone', 'deepslate', 'andesite', 'diorite', 'granite', 'tuff', 'netherrack']

/** A stack of scaffold blocks the bot carries, or null. */
function scaffoldItem (bot) {
  return bot.inventory.items().find(i => SCAFFOLD.includes(i.name)) || null
}

/** How many scaffold blocks the bot carries. */
function scaffoldCount (bot) {
  return bot.inventory.items().filter(i => SCAFFOLD.includes(i.name)).reduce((n, i) => n + i.count, 0)
}

module.exports = { inventoryCounts, inventoryDelta, count, gainedOf, scaffoldItem, scaffoldCount }
