'use strict'
// Melee rules of Java 1.21 for a player hitting a mob: weapon damage and attack speed, the attack
// cooldown ("attack strength"), Sharpness, knockback, the hurt-invulnerability window and loot rolls.
// minecraft-data has no attack damage or attack speed for items, so the vanilla values are written here.

const HAND = { damage: 1, speed: 4 }

// [attack damage, attack speed] per tool material, as the vanilla item attributes give them.
const TOOLS = {
  sword: { wooden: [4, 1.6], golden: [4, 1.6], stone: [5, 1.6], iron: [6, 1.6], diamond: [7, 1.6], netherite: [8, 1.6] },
  axe: { wooden: [7, 0.8], golden: [7, 1.0], stone: [9, 0.8], iron: [9, 0.9], diamond: [9, 1.0], netherite: [10, 1.0] },
  pickaxe: { wooden: [2, 1.2], golden: [2, 1.2], stone: [3, 1.2], iron: [4, 1.2], diamond: [5, 1.2], netherite: [6, 1.2] },
  shovel: { wooden: [2.5, 1.0], golden: [2.5, 1.0], stone: [3.5, 1.0], iron: [4.5, 1.0], diamond: [5.5, 1.0], netherite: [6.5, 1.0] },
  hoe: { wooden: [1, 1.0], golden: [1, 1.0], stone: [1, 2.0], iron: [1, 3.0], diamond: [1, 4.0], netherite: [1, 4.0] }
}
const OTHER_WEAPONS = { trident: [9, 1.1], mace: [6, 0.6] }

const INVULNERABLE_TICKS = 10 // a second hit inside this window only counts by how much it exceeds the first
const BASE_KNOCKBACK = 0.4 // every hit by an entity pushes the target this much (blocks/tick)

/** { damage, speed } of the item held in the main hand (null/undefined = empty hand). */
function weaponStats (item) {
  if (!item || !item.name) return HAND
  const other = OTHER_WEAPONS[item.name]
  if (other) return { damage: other[0], speed: other[1] }
  const m = /^(wooden|golden|stone|iron|diamond|netherite)_(sword|axe|pickaxe|shovel|hoe)$/.exec(item.name)
  if (!m) return HAND
  const [damage, speed] = TOOLS[m[2]][m[1]]
  return { damage, speed }
}

/** Enchantment levels of an item by name ({} when none or unreadable). */
function enchantLevels (item) {
  const levels = {}
  if (!item) return levels
  try {
    for (const e of item.enchants || []) levels[String(e.name).replace(/^minecraft:/, '')] = e.lvl
  } catch (err) {
    // an item whose components cannot be read is treated as unenchanted
  }
  return levels
}

/** Vanilla attack strength in [0, 1] after `ticksSinceReset` ticks with a weapon of attack speed `speed`. */
function attackStrength (ticksSinceReset, speed) {
  const delay = 20 / speed
  return Math.max(0, Math.min(1, (ticksSinceReset + 0.5) / delay))
}

/**
 * Damage and knockback of one melee hit (no criticals).
 * @returns {{ damage: number, knockback: number, strength: number, looting: number }}
 */
function meleeHit (item, ticksSinceReset, { sprinting = false } = {}) {
  const stats = weaponStats(item)
  const ench = enchantLevels(item)
  const strength = attackStrength(ticksSinceReset, stats.speed)
  const sharpness = ench.sharpness ? 0.5 * ench.sharpness + 0.5 : 0
  const damage = stats.damage * (0.2 + strength * strength * 0.8) + sharpness * strength
  let extraKnockback = ench.knockback || 0
  if (sprinting && strength > 0.9) extraKnockback += 1
  return { damage, knockback: BASE_KNOCKBACK + extraKnockback * 0.5, strength, looting: ench.looting || 0 }
}

/**
 * Apply the invulnerability window to an incoming hit.
 * @returns {{ amount: number, fresh: boolean } | null} damage to deduct (null = ignored); fresh hits
 *   play the hurt animation and knock back, hits inside the window only add their excess damage.
 */
function filterHit (state, damage, tick) {
  if (state.lastHurtTick !== undefined && tick - state.lastHurtTick < INVULNERABLE_TICKS) {
    if (damage <= state.lastHurtAmount) return null
    const amount = damage - state.lastHurtAmount
    state.lastHurtAmount = damage
    return { amount, fresh: false }
  }
  state.lastHurtTick = tick
  state.lastHurtAmount = damage
  return { amount: damage, fresh: true }
}

/**
 * Items to drop: [{ item, count }] with counts rolled by `rng` (util/random.js). Looting adds 0..L to every
 * entry except those marked noLooting (the sheep's wool), as the vanilla tables apply it.
 */
function rollLoot (loot, rng, looting = 0) {
  const out = []
  for (const { item, count: [min, max], noLooting } of loot) {
    let n = rng.int(min, max)
    if (looting > 0 && !noLooting) n += rng.int(0, looting)
    if (n > 0) out.push({ item, count: n })
  }
  return out
}

module.exports = { weaponStats, enchantLevels, attackStrength, meleeHit, filterHit, rollLoot, INVULNERABLE_TICKS }
