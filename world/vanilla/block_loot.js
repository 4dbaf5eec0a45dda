'use strict'
// What a block drops when it is broken, from minecraft-data's blockLoot, read the way vanilla's loot tables
// work, with vanilla values where minecraft-data flattens a condition into a placeholder chance.
//
// minecraft-data's format: drops [{item, dropChance, stackSizeRange:[min,max], silkTouch?, noSilkTouch?,
// blockAge?}]. Where a block has silk-touch alternatives, its chances are the alternatives split evenly
// (coal_ore: coal_ore 0.5 silk, coal 0.5 no-silk): after choosing the silk branch, exactly one of the
// remaining entries drops, picked by weight. Otherwise every entry rolls on its own chance.
// The overrides below are vanilla 1.21 loot tables (no fortune, no looting) for blocks whose minecraft-data
// entry is a placeholder (leaves: sapling 0.5, stick 1, apple 1) or whose counts differ from vanilla
// (lapis, redstone, copper...).

const LEAF_SAPLING = {
  oak_leaves: 'oak_sapling', birch_leaves: 'birch_sapling', spruce_leaves: 'spruce_sapling',
  jungle_leaves: 'jungle_sapling', acacia_leaves: 'acacia_sapling', dark_oak_leaves: 'dark_oak_sapling',
  cherry_leaves: 'cherry_sapling', azalea_leaves: 'azalea', flowering_azalea_leaves: 'flowering_azalea',
  mangrove_leaves: null, pale_oak_leaves: 'pale_oak_sapling'
}

function leavesLoot (name) {
  const drops = []
  const sapling = LEAF_SAPLING[name]
  if (sapling) drops.push({ item: sapling, chance: name === 'jungle_leaves' ? 1 / 40 : 1 / 20, min: 1, max: 1 })
  drops.push({ item: 'stick', chance: 1 / 50, min: 1, max: 2 })
  if (name === 'oak_leaves' || name === 'dark_oak_leaves') drops.push({ item: 'apple', chance: 1 / 200, min: 1, max: 1 })
  return { needsShearsForSelf: true, drops }
}

// Vanilla counts without fortune: { item, min, max } always dropped (no silk touch).
const FIXED = {
  coal_ore: ['coal', 1, 1], deepslate_coal_ore: ['coal', 1, 1],
  iron_ore: ['raw_iron', 1, 1], deepslate_iron_ore: ['raw_iron', 1, 1],
  gold_ore: ['raw_gold', 1, 1], deepslate_gold_ore: ['raw_gold', 1, 1],
  copper_ore: ['raw_copper', 2, 5], deepslate_copper_ore: ['raw_copper', 2, 5],
  diamond_ore: ['diamond', 1, 1], deepslate_diamond_ore: ['diamond', 1, 1],
  emerald_ore: ['emerald', 1, 1], deepslate_emerald_ore: ['emerald', 1, 1],
  lapis_ore: ['lapis_lazuli', 4, 9], deepslate_lapis_ore: ['lapis_lazuli', 4, 9],
  redstone_ore: ['redstone', 4, 5], deepslate_redstone_ore: ['redstone', 4, 5],
  nether_quartz_ore: ['quartz', 1, 1],
  glowstone: ['glowstone_dust', 2, 4],
  melon: ['melon_slice', 3, 7],
  clay: ['clay_ball', 4, 4],
  bookshelf: ['book', 3, 3]
}

function overrideFor (name) {
  if (name in LEAF_SAPLING) return leavesLoot(name)
  if (FIXED[name]) {
    const [item, min, max] = FIXED[name]
    return { dropsSelfWithSilk: true, drops: [{ item, chance: 1, min, max }] }
  }
  if (name === 'gravel') return { dropsSelfWithSilk: true, alternatives: [{ item: 'flint', weight: 0.1 }, { item: 'gravel', weight: 0.9 }] }
  if (name === 'short_grass' || name === 'tall_grass' || name === 'fern' || name === 'large_fern') {
    return { needsShearsForSelf: true, drops: [{ item: 'wheat_seeds', chance: 1 / 8, min: 1, max: 1 }] }
  }
  if (name === 'dead_bush') return { needsShearsForSelf: true, drops: [{ item: 'stick', chance: 1, min: 0, max: 2 }] }
  if (name === 'cobweb') return { needsShearsForSelf: true, drops: [{ item: 'string', chance: 1, min: 1, max: 1 }] }
  return null
}

/**
 * Items (as {name, count}) dropped by breaking `blockName` with a tool.
 * @param {object} o
 * @param {string} o.blockName
 * @param {object} o.registry minecraft-data
 * @param {{chance:(p:number)=>boolean, int:(a:number,b:number)=>number, next:()=>number}} o.random
 * @param {boolean} [o.silkTouch]
 * @param {boolean} [o.shears]
 */
function rollBlockDrops ({ blockName, registry, random, silkTouch = false, shears = false }) {
  const override = overrideFor(blockName)
  if (override) return rollOverride(blockName, override, random, silkTouch, shears)
  const loot = registry.blockLoot[blockName]
  if (!loot) return []
  const hasSilkBranch = loot.drops.some(d => d.silkTouch)
  const entries = loot.drops.filter(d => !(silkTouch ? d.noSilkTouch : d.silkTouch) && d.blockAge === undefined)
  if (hasSilkBranch) {
    const picked = pickWeighted(entries.map(d => ({ ...d, weight: d.dropChance })), random)
    return picked ? [{ name: picked.item, count: rollCount(picked.stackSizeRange, random) }] : []
  }
  const out = []
  for (const d of entries) {
    if (random.chance(d.dropChance)) out.push({ name: d.item, count: rollCount(d.stackSizeRange, random) })
  }
  return out.filter(d => d.count > 0)
}

function rollOverride (blockName, o, random, silkTouch, shears) {
  if ((o.dropsSelfWithSilk && silkTouch) || (o.needsShearsForSelf && (silkTouch || shears))) {
    return [{ name: blockName === 'tall_grass' ? 'short_grass' : blockName, count: 1 }]
  }
  if (o.alternatives) {
    const picked = pickWeighted(o.alternatives, random)
    return [{ name: picked.item, count: 1 }]
  }
  const out = []
  for (const d of o.drops) {
    if (!random.chance(d.chance)) continue
    const count = random.int(d.min, d.max)
    if (count > 0) out.push({ name: d.item, count })
  }
  return out
}

function rollCount (range, random) {
  const [min, max] = range || [1, 1]
  const lo = Number.isFinite(min) ? min : 1
  const hi = Number.isFinite(max) ? max : lo
  return random.int(lo, Math.max(lo, hi))
}

function pickWeighted (entries, random) {
  const total = entries.reduce((s, e) => s + e.weight, 0)
  if (!(total > 0)) return null
  let r = random.next() * total
  for (const e of entries) {
    r -= e.weight
    if (r < 0) return e
  }
  return entries[entries.length - 1]
}

// Vanilla XP for breaking a block with the right tool and without silk touch (1.21).
const ORE_XP = {
  coal_ore: [0, 2], deepslate_coal_ore: [0, 2],
  diamond_ore: [3, 7], deepslate_diamond_ore: [3, 7],
  emerald_ore: [3, 7], deepslate_emerald_ore: [3, 7],
  lapis_ore: [2, 5], deepslate_lapis_ore: [2, 5],
  redstone_ore: [1, 5], deepslate_redstone_ore: [1, 5],
  nether_quartz_ore: [2, 5], nether_gold_ore: [0, 1]
}

function rollBlockXp (blockName, random) {
  const range = ORE_XP[blockName]
  return range ? random.int(range[0], range[1]) : 0
}

module.exports = { rollBlockDrops, rollBlockXp, ORE_XP }
