'use strict'
// Whether a reconnect found the same world and the same player. The bot's state is kept when its connection
// ends and compared with the new bot's at its spawn (by then the server has sent the position, the inventory,
// health, food and XP): what went back or went missing is listed, so the agent can go on when nothing was
// lost and stop when the world was reset. The world is known by its id and game time (./world_identity.js).
const { inventoryCounts } = require('larm-skills/lib/inventory')
const { equipment, enchantedItems } = require('./observation')
const { worldOf } = require('./world_identity')

const POSITION_TOLERANCE = 2 // blocks between where the bot left and where it came back that still count as the same place

/** What must survive a reconnect, as the bot sees it. */
function snapshot (bot) {
  const p = bot.entity.position
  const enchanted = enchantedItems(bot)
  return {
    world: worldOf(bot),
    position: { x: p.x, y: p.y, z: p.z },
    health: bot.health,
    food: bot.food,
    xp_points: bot.experience?.points ?? 0,
    inventory: inventoryCounts(bot),
    equipment: equipment(bot),
    enchanted: Object.fromEntries(Object.entries(enchanted).map(([name, lists]) => [name, lists.length]))
  }
}

/**
 * Compare the state the bot left with and the one it came back to: {same_world (true, false, or null when
 * either id is unknown), lost: [{what, message}]} where `what` is world, game_time, inventory, equipment,
 * enchantments, xp, health, food or position. An empty `lost` means nothing was lost.
 */
function compare (before, after) {
  const lost = []
  const say = (what, message) => lost.push({ what, message })
  const ids = [before.world.id, after.world.id]
  const sameWorld = ids.includes(null) ? null : ids[0] === ids[1]
  if (sameWorld === false) say('world', `a different world (id ${ids[0]}, now ${ids[1]})`)
  const times = [before.world.game_time, after.world.game_time]
  if (!times.includes(null) && times[1] < times[0]) say('game_time', `the game time went backwards (${times[0]} → ${times[1]} ticks)`)
  const missing = fewer(before.inventory, after.inventory)
  if (missing.length) say('inventory', `items lost: ${missing.join(', ')}`)
  const unequipped = Object.keys(before.equipment).filter(slot => before.equipment[slot] && before.equipment[slot] !== after.equipment[slot])
  if (unequipped.length) say('equipment', `no longer equipped: ${unequipped.map(s => `${before.equipment[s]} (${s})`).join(', ')}`)
  const disenchanted = fewer(before.enchanted, after.enchanted)
  if (disenchanted.length) say('enchantments', `enchanted items lost: ${disenchanted.join(', ')}`)
  if (after.xp_points < before.xp_points) say('xp', `XP went down (${before.xp_points} → ${after.xp_points} points)`)
  if (after.health < before.health) say('health', `health went down (${before.health} → ${after.health})`)
  if (after.food < before.food) say('food', `food went down (${before.food} → ${after.food})`)
  const moved = distance(before.position, after.position)
  if (moved > POSITION_TOLERANCE) say('position', `back ${moved.toFixed(1)} blocks from where the bot left`)
  return { same_world: sameWorld, lost }
}

/** 'name had → has' for every count of `before` that is lower in `after`. */
function fewer (before, after) {
  return Object.entries(before).filter(([name, n]) => (after[name] || 0) < n).map(([name, n]) => `${name} ${n} → ${after[name] || 0}`)
}

function distance (a, b) {
  return Math.hypot(a.x - b.x, a.y - b.y, a.z - b.z)
}

module.exports = { snapshot, compare, POSITION_TOLERANCE }
