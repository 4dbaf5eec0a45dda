'use strict'
// Furnace recipes and fuel burn times of vanilla Java 1.21.4, written by hand because minecraft-data has
// neither. Values follow vanilla's recipe files (experience per item, 200 ticks each) and its fuel table
// (FuelValues, burn time in ticks). Every item name is checked against minecraft-data when this module
// loads, so a typo or a renamed item fails loudly instead of silently never smelting.
const mcData = require('minecraft-data')

const COOK_TICKS = 200 // every furnace recipe in vanilla takes 10 s

// Wood families. Nether wood (crimson, warped) is non-flammable: neither charcoal nor fuel.
const OVERWORLD_TREES = ['oak', 'spruce', 'birch', 'jungle', 'acacia', 'dark_oak', 'mangrove', 'cherry', 'pale_oak']
const WOOD_SETS = [...OVERWORLD_TREES, 'bamboo'] // bamboo has planks, stairs, doors... but no logs
const COLORS = ['white', 'orange', 'magenta', 'light_blue', 'yellow', 'lime', 'pink', 'gray', 'light_gray', 'cyan',
  'purple', 'blue', 'brown', 'green', 'red', 'black']

function logsOf (tree) {
  // mangrove and the rest have logs and woods; all of them burn into charcoal (#logs_that_burn)
  return [`${tree}_log`, `${tree}_wood`, `stripped_${tree}_log`, `stripped_${tree}_wood`]
}

function buildSmelting () {
  const t = new Map()
  const add = (inputs, result, xp) => { for (const i of [].concat(inputs)) t.set(i, { result, xp }) }

  // ores and raw metals
  add(['raw_iron', 'iron_ore', 'deepslate_iron_ore'], 'iron_ingot', 0.7)
  add(['raw_gold', 'gold_ore', 'deepslate_gold_ore', 'nether_gold_ore'], 'gold_ingot', 1.0)
  add(['raw_copper', 'copper_ore', 'deepslate_copper_ore'], 'copper_ingot', 0.7)
  add(['coal_ore', 'deepslate_coal_ore'], 'coal', 0.1)
  add(['diamond_ore', 'deepslate_diamond_ore'], 'diamond', 1.0)
  add(['emerald_ore', 'deepslate_emerald_ore'], 'emerald', 1.0)
  add(['lapis_ore', 'deepslate_lapis_ore'], 'lapis_lazuli', 0.2)
  add(['redstone_ore', 'deepslate_redstone_ore'], 'redstone', 0.7)
  add('nether_quartz_ore', 'quartz', 0.2)
  add('ancient_debris', 'netherite_scrap', 2.0)

  // stone, sand and clay
  add(['sand', 'red_sand'], 'glass', 0.1)
  add('cobblestone', 'stone', 0.1)
  add('stone', 'smooth_stone', 0.1)
  add('cobbled_deepslate', 'deepslate', 0.1)
  add('stone_bricks', 'cracked_stone_bricks', 0.1)
  add('deepslate_bricks', 'cracked_deepslate_bricks', 0.1)
  add('deepslate_tiles', 'cracked_deepslate_tiles', 0.1)
  add('sandstone', 'smooth_sandstone', 0.1)
  add('red_sandstone', 'smooth_red_sandstone', 0.1)
  add('quartz_block', 'smooth_quartz', 0.1)
  add('basalt', 'smooth_basalt', 0.1)
  add('clay_ball', 'brick', 0.3)
  add('clay', 'terracotta', 0.35)
  add('netherrack', 'nether_brick', 0.1)
  add('nether_bricks', 'cracked_nether_bricks', 0.1)
  add('polished_blackstone_bricks', 'cracked_polished_blackstone_bricks', 0.1)
  add('resin_clump', 'resin_brick', 0.1)
  for (const c of COLORS) add(`${c}_terracotta`, `${c}_glazed_terracotta`, 0.1)

  // wood
  for (const tree of OVERWORLD_TREES) add(logsOf(tree), 'charcoal', 0.15)

  // food
  add('beef', 'cooked_beef', 0.35)
  add('porkchop', 'cooked_porkchop', 0.35)
  add('chicken', 'cooked_chicken', 0.35)
  add('mutton', 'cooked_mutton', 0.35)
  add('rabbit', 'cooked_rabbit', 0.35)
  add('cod', 'cooked_cod', 0.35)
  add('salmon', 'cooked_salmon', 0.35)
  add('potato', 'baked_potato', 0.35)
  add('kelp', 'dried_kelp', 0.1)
  add('chorus_fruit', 'popped_chorus_fruit', 0.1)

  // misc
  add('cactus', 'green_dye', 1.0)
  add('sea_pickle', 'lime_dye', 0.1)
  add('wet_sponge', 'sponge', 0.15)

  // iron, chainmail and gold gear melts down into nuggets
  const gear = ['pickaxe', 'shovel', 'axe', 'hoe', 'sword', 'helmet', 'chestplate', 'leggings', 'boots']
  add([...gear.map(g => `iron_${g}`), 'iron_horse_armor',
    'chainmail_helmet', 'chainmail_chestplate', 'chainmail_leggings', 'chainmail_boots'], 'iron_nugget', 0.1)
  add([...gear.map(g => `golden_${g}`), 'golden_horse_armor'], 'gold_nugget', 0.1)
  return t
}

function buildFuel () {
  const t = new Map()
  const add = (items, ticks) => { for (const i of [].concat(items)) t.set(i, ticks) }
  const each = (pattern) => WOOD_SETS.map(w => pattern.replace('*', w))

  add('lava_bucket', 20000)
  add('coal_block', 16000)
  add('dried_kelp_block', 4001)
  add('blaze_rod', 2400)
  add(['coal', 'charcoal'], 1600)

  for (const tree of OVERWORLD_TREES) add(logsOf(tree), 300)
  add(['bamboo_block', 'stripped_bamboo_block', 'bamboo_mosaic', 'bamboo_mosaic_stairs'], 300)
  add([...each('*_planks'), ...each('*_stairs'), ...each('*_trapdoor'), ...each('*_pressure_plate'),
    ...each('*_fence'), ...each('*_fence_gate')], 300)
  add([...each('*_slab'), 'bamboo_mosaic_slab'], 150)
  add(['note_block', 'bookshelf', 'chiseled_bookshelf', 'lectern', 'jukebox', 'chest', 'trapped_chest',
    'crafting_table', 'daylight_detector', 'bow', 'fishing_rod', 'ladder', 'crossbow', 'loom', 'barrel',
    'cartography_table', 'fletching_table', 'smithing_table', 'composter', 'mangrove_roots'], 300)
  add(COLORS.map(c => `${c}_banner`), 300)
  add(each('*_sign'), 200)
  add(each('*_hanging_sign'), 800)
  add(['wooden_shovel', 'wooden_sword', 'wooden_hoe', 'wooden_axe', 'wooden_pickaxe'], 200)
  add(each('*_door'), 200)
  add([...OVERWORLD_TREES.flatMap(t => [`${t}_boat`, `${t}_chest_boat`]),
    'bamboo_raft', 'bamboo_chest_raft'], 1200)
  add(COLORS.map(c => `${c}_wool`), 100)
  add(each('*_button'), 100)
  add(['stick', 'bowl', 'dead_bush', 'azalea', 'flowering_azalea', 'mangrove_propagule'], 100)
  add(OVERWORLD_TREES.filter(t => t !== 'mangrove').map(t => `${t}_sapling`), 100)
  add(COLORS.map(c => `${c}_carpet`), 67)
  add(['bamboo', 'scaffolding'], 50)
  return t
}

const REMAINDERS = new Map([['lava_bucket', 'bucket']])

/** Throw if any name is not an item of `registry`; `what` names the table in the message. */
function validateNames (names, registry, what) {
  const missing = [...names].filter(n => !registry.itemsByName[n])
  if (missing.length > 0) {
    throw new Error(`${what}: not items in minecraft-data ${registry.version.minecraftVersion}: ${missing.join(', ')}`)
  }
}

const SMELTING = buildSmelting()
const FUEL = buildFuel()

{
  const registry = mcData('1.21.4')
  validateNames(SMELTING.keys(), registry, 'smelting inputs')
  validateNames([...SMELTING.values()].map(r => r.result), registry, 'smelting results')
  validateNames(FUEL.keys(), registry, 'fuels')
  validateNames([...REMAINDERS.keys(), ...REMAINDERS.values()], registry, 'fuel remainders')
}

/** What one `itemName` smelts into and the XP it is worth, or null when it does not smelt. */
function smeltingResult (itemName) {
  const r = SMELTING.get(itemName)
  return r ? { result: r.result, xp: r.xp } : null
}

/** Burn time of one `itemName` in ticks; 0 when it is not a fuel. */
function fuelTicks (itemName) {
  return FUEL.get(itemName) ?? 0
}

/** The item a fuel leaves in the fuel slot once burnt (lava_bucket -> bucket), or null. */
function remainderOf (itemName) {
  return REMAINDERS.get(itemName) ?? null
}

module.exports = { COOK_TICKS, smeltingResult, fuelTicks, remainderOf, validateNames, SMELTING, FUEL }
