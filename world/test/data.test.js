'use strict'
// Hand-written vanilla tables: furnace recipes and fuels, enchanting-table offers.
const test = require('node:test')
const assert = require('node:assert/strict')
const { minecraft: VERSION } = require('../vanilla/versions.json')
const registry = require('minecraft-data')(VERSION)
const smelting = require('../vanilla/smelting')
const enchanting = require('../vanilla/enchanting')

test('smelting: vanilla results and XP for ores, raw metals, stone, sand and food', () => {
  const expected = {
    raw_iron: ['iron_ingot', 0.7],
    raw_gold: ['gold_ingot', 1.0],
    raw_copper: ['copper_ingot', 0.7],
    iron_ore: ['iron_ingot', 0.7],
    deepslate_iron_ore: ['iron_ingot', 0.7],
    gold_ore: ['gold_ingot', 1.0],
    deepslate_gold_ore: ['gold_ingot', 1.0],
    copper_ore: ['copper_ingot', 0.7],
    coal_ore: ['coal', 0.1],
    deepslate_coal_ore: ['coal', 0.1],
    diamond_ore: ['diamond', 1.0],
    deepslate_diamond_ore: ['diamond', 1.0],
    lapis_ore: ['lapis_lazuli', 0.2],
    redstone_ore: ['redstone', 0.7],
    emerald_ore: ['emerald', 1.0],
    sand: ['glass', 0.1],
    red_sand: ['glass', 0.1],
    cobblestone: ['stone', 0.1],
    stone: ['smooth_stone', 0.1],
    cobbled_deepslate: ['deepslate', 0.1],
    oak_log: ['charcoal', 0.15],
    stripped_birch_wood: ['charcoal', 0.15],
    beef: ['cooked_beef', 0.35],
    porkchop: ['cooked_porkchop', 0.35],
    chicken: ['cooked_chicken', 0.35],
    mutton: ['cooked_mutton', 0.35],
    rabbit: ['cooked_rabbit', 0.35],
    cod: ['cooked_cod', 0.35],
    salmon: ['cooked_salmon', 0.35],
    potato: ['baked_potato', 0.35],
    clay_ball: ['brick', 0.3],
    netherrack: ['nether_brick', 0.1],
    cactus: ['green_dye', 1.0],
    kelp: ['dried_kelp', 0.1],
    wet_sponge: ['sponge', 0.15],
    iron_pickaxe: ['iron_nugget', 0.1],
    chainmail_boots: ['iron_nugget', 0.1],
    golden_helmet: ['gold_nugget', 0.1]
  }
  for (const [input, [result, xp]] of Object.entries(expected)) {
    assert.deepEqual(smelting.smeltingResult(input), { result, xp }, input)
  }
  for (const n of ['diamond', 'iron_ingot', 'dirt', 'crimson_stem', 'nonsense', undefined, null, '']) {
    assert.equal(smelting.smeltingResult(n), null, String(n))
  }
  assert.equal(smelting.COOK_TICKS, 200)
})

test('smelting: every overworld log and wood burns into charcoal, nether stems do not', () => {
  const logs = registry.itemsArray.map(i => i.name).filter(n => /_(log|wood)$/.test(n))
  assert.ok(logs.length >= 36, `expected the 1.21.4 logs and woods, found ${logs.length}`)
  for (const n of logs) assert.equal(smelting.smeltingResult(n)?.result, 'charcoal', n)
  for (const n of ['crimson_stem', 'warped_hyphae', 'stripped_crimson_stem']) assert.equal(smelting.smeltingResult(n), null)
})

test('fuel: vanilla burn times, 0 for non-fuel, lava leaves a bucket', () => {
  const expected = {
    coal: 1600,
    charcoal: 1600,
    coal_block: 16000,
    lava_bucket: 20000,
    blaze_rod: 2400,
    oak_log: 300,
    stripped_spruce_wood: 300,
    oak_planks: 300,
    bamboo_planks: 300,
    oak_stairs: 300,
    oak_slab: 150,
    oak_fence: 300,
    oak_fence_gate: 300,
    crafting_table: 300,
    bookshelf: 300,
    chest: 300,
    stick: 100,
    wooden_pickaxe: 200,
    wooden_sword: 200,
    oak_sapling: 100,
    bamboo: 50,
    dried_kelp_block: 4001,
    oak_boat: 1200,
    white_wool: 100,
    white_carpet: 67,
    oak_sign: 200,
    oak_hanging_sign: 800,
    oak_door: 200,
    bowl: 100
  }
  for (const [name, ticks] of Object.entries(expected)) assert.equal(smelting.fuelTicks(name), ticks, name)
  for (const n of ['stone', 'crimson_planks', 'warped_stem', 'water_bucket', 'bucket', 'iron_ingot', 'nonsense', undefined]) {
    assert.equal(smelting.fuelTicks(n), 0, String(n))
  }
  assert.equal(smelting.remainderOf('lava_bucket'), 'bucket')
  assert.equal(smelting.remainderOf('coal'), null)
  assert.equal(smelting.remainderOf('nonsense'), null)
})

test('smelting/fuel names all exist in minecraft-data 1.21.4, and a wrong name is refused loudly', () => {
  for (const [input, { result }] of smelting.SMELTING) {
    assert.ok(registry.itemsByName[input], input)
    assert.ok(registry.itemsByName[result], result)
  }
  for (const name of smelting.FUEL.keys()) assert.ok(registry.itemsByName[name], name)
  assert.throws(() => smelting.validateNames(['oak_log', 'raw_irn', 'coal'], registry, 'smelting inputs'),
    /smelting inputs: not items in minecraft-data 1\.21\.4: raw_irn$/)
  assert.doesNotThrow(() => smelting.validateNames(['oak_log', 'coal'], registry, 'x'))
})

test('enchanting: enchantability per material, 0 when not enchantable', () => {
  const expected = {
    wooden_pickaxe: 15,
    stone_pickaxe: 5,
    iron_pickaxe: 14,
    diamond_pickaxe: 10,
    golden_sword: 22,
    netherite_axe: 15,
    leather_boots: 15,
    chainmail_helmet: 12,
    iron_chestplate: 9,
    golden_leggings: 25,
    diamond_helmet: 10,
    turtle_helmet: 9,
    book: 1,
    bow: 1,
    fishing_rod: 1
  }
  for (const [name, v] of Object.entries(expected)) assert.equal(enchanting.enchantability(name), v, name)
  for (const n of ['stick', 'diamond', 'shears', 'enchanted_book', 'elytra', 'nonsense', undefined]) {
    assert.equal(enchanting.enchantability(n), 0, String(n))
  }
})

test('enchanting: the generator is java.util.Random', () => {
  // Known outputs of new java.util.Random(seed).nextFloat()
  assert.equal(Math.fround(enchanting.javaRandom(0).nextFloat()), Math.fround(0.73096776))
  assert.equal(Math.fround(enchanting.javaRandom(42).nextFloat()), Math.fround(0.7275637))
})

test('enchanting: offers are deterministic per seed and change with the seed', () => {
  const args = { itemName: 'diamond_pickaxe', bookshelves: 15, registry }
  const a = enchanting.computeOffers({ ...args, seed: 123456 })
  const b = enchanting.computeOffers({ ...args, seed: 123456 })
  assert.deepEqual(a, b)
  const distinct = new Set()
  for (let seed = 0; seed < 50; seed++) distinct.add(JSON.stringify(enchanting.computeOffers({ ...args, seed })))
  assert.ok(distinct.size > 10, `only ${distinct.size} distinct offer sets over 50 seeds`)
})

test('enchanting: costs obey the vanilla bounds for 0 and 15 bookshelves', () => {
  const seen = { 0: [new Set(), new Set(), new Set()], 15: [new Set(), new Set(), new Set()] }
  // Vanilla seeds are random ints; java.util.Random's first draw is correlated for neighbouring seeds, so spread them.
  for (let i = -1000; i < 1000; i++) {
    const seed = Math.imul(i, 0x9E3779B1)
    const o0 = enchanting.computeOffers({ itemName: 'iron_sword', bookshelves: 0, seed, registry })
    // no bookshelves: base 1..8 -> slot costs 1..2, 2..6 (1 is not offered), 3..8 (1-2 not offered)
    assert.ok(o0[0] && o0[0].cost >= 1 && o0[0].cost <= 2, JSON.stringify(o0))
    assert.ok(o0[1] === null || (o0[1].cost >= 2 && o0[1].cost <= 6), JSON.stringify(o0))
    assert.ok(o0[2] === null || (o0[2].cost >= 3 && o0[2].cost <= 8), JSON.stringify(o0))
    o0.forEach((o, i) => seen[0][i].add(o ? o.cost : null))

    const o15 = enchanting.computeOffers({ itemName: 'iron_sword', bookshelves: 15, seed, registry })
    // 15 bookshelves: base 8..30 -> 2..10, 6..21, and always 30 for the last slot
    assert.ok(o15[0].cost >= 2 && o15[0].cost <= 10, JSON.stringify(o15))
    assert.ok(o15[1].cost >= 6 && o15[1].cost <= 21, JSON.stringify(o15))
    assert.equal(o15[2].cost, 30)
    o15.forEach((o, i) => seen[15][i].add(o.cost))

    // more than 15 bookshelves count as 15
    assert.deepEqual(enchanting.computeOffers({ itemName: 'iron_sword', bookshelves: 40, seed, registry }), o15)
  }
  // the whole ranges are reachable (the draw is not stuck on one value)
  assert.deepEqual([...seen[0][0]].sort(), [1, 2])
  assert.ok(seen[0][1].has(null) && seen[0][1].has(6) && seen[0][2].has(null) && seen[0][2].has(8))
  assert.ok(seen[15][0].has(2) && seen[15][0].has(10) && seen[15][1].has(6) && seen[15][1].has(21))
})

test('enchanting: the applied enchantments fit the item, are compatible, and include the shown one', () => {
  const items = ['diamond_pickaxe', 'iron_sword', 'diamond_axe', 'iron_chestplate', 'golden_boots', 'bow', 'book', 'stone_shovel']
  let multi = 0
  for (const itemName of items) {
    const allowed = new Set(enchanting.applicableEnchantments(itemName, registry).map(e => e.name))
    assert.ok(allowed.size > 0, itemName)
    for (let seed = 0; seed < 300; seed++) {
      const offers = enchanting.computeOffers({ itemName, bookshelves: seed % 16, seed: seed * 7919, registry })
      offers.forEach((offer, optionIndex) => {
        if (!offer) return
        const rolled = enchanting.rollEnchantments({ itemName, level: offer.cost, seed: seed * 7919, optionIndex, registry })
        assert.deepEqual(rolled, enchanting.rollEnchantments({ itemName, level: offer.cost, seed: seed * 7919, optionIndex, registry }))
        assert.ok(rolled.length >= 1)
        if (rolled.length > 1) multi++
        assert.ok(rolled.some(r => r.name === offer.enchantment.name && r.level === offer.enchantment.level),
          `${itemName} seed ${seed}: shown ${JSON.stringify(offer.enchantment)} not in ${JSON.stringify(rolled)}`)
        assert.equal(offer.enchantmentId, registry.enchantmentsByName[offer.enchantment.name].id)
        for (const r of rolled) {
          const e = registry.enchantmentsByName[r.name]
          assert.ok(allowed.has(r.name), `${r.name} on ${itemName}`)
          assert.ok(!e.treasureOnly, r.name)
          assert.ok(r.level >= 1 && r.level <= e.maxLevel, JSON.stringify(r))
        }
        for (let i = 0; i < rolled.length; i++) {
          for (let j = i + 1; j < rolled.length; j++) {
            const a = registry.enchantmentsByName[rolled[i].name]
            const b = registry.enchantmentsByName[rolled[j].name]
            assert.ok(enchanting.compatible(a, b), `${a.name} with ${b.name} on ${itemName}`)
          }
        }
      })
    }
  }
  assert.ok(multi > 50, `extra enchantments are drawn sometimes (${multi})`)
})

test('enchanting: table applicability follows vanilla primary items', () => {
  const names = item => enchanting.applicableEnchantments(item, registry).map(e => e.name).sort()
  assert.deepEqual(names('diamond_pickaxe'), ['efficiency', 'fortune', 'silk_touch', 'unbreaking'])
  assert.deepEqual(names('diamond_axe'), ['efficiency', 'fortune', 'silk_touch', 'unbreaking']) // sharpness only by anvil
  assert.deepEqual(names('iron_sword'),
    ['bane_of_arthropods', 'fire_aspect', 'knockback', 'looting', 'sharpness', 'smite', 'sweeping_edge', 'unbreaking'])
  assert.ok(names('iron_chestplate').includes('thorns'))
  assert.ok(!names('iron_helmet').includes('thorns'))
  assert.ok(names('iron_helmet').includes('respiration'))
  assert.ok(names('iron_boots').includes('feather_falling'))
  assert.deepEqual(names('bow'), ['flame', 'infinity', 'power', 'punch', 'unbreaking'])
  assert.equal(names('book').length, enchanting.TABLE_ENCHANTMENTS.length)
  assert.ok(!names('book').includes('mending'))
  assert.deepEqual(names('stick'), [])
})

test('enchanting: nothing is offered for unenchantable or already enchanted items; bad input throws', () => {
  assert.deepEqual(enchanting.computeOffers({ itemName: 'stick', bookshelves: 15, seed: 1, registry }), [null, null, null])
  assert.deepEqual(enchanting.computeOffers({ itemName: 'nonsense', bookshelves: 15, seed: 1, registry }), [null, null, null])
  assert.deepEqual(enchanting.computeOffers({ itemName: 'iron_sword', bookshelves: 15, seed: 1, enchanted: true, registry }),
    [null, null, null])
  assert.deepEqual(enchanting.rollEnchantments({ itemName: 'stick', level: 30, seed: 1, optionIndex: 2, registry }), [])
  assert.throws(() => enchanting.computeOffers({ itemName: 'iron_sword', bookshelves: 3, seed: 'x' }), TypeError)
  assert.throws(() => enchanting.computeOffers({ itemName: 'iron_sword', bookshelves: NaN, seed: 1 }), TypeError)
  assert.throws(() => enchanting.rollEnchantments({ itemName: 'iron_sword', level: 5, seed: 1, optionIndex: 3 }), RangeError)
  assert.throws(() => enchanting.rollEnchantments({ itemName: 'iron_sword', level: 0, seed: 1, optionIndex: 0 }), RangeError)
})

test('enchanting: with 15 bookshelves the top offer on a diamond pickaxe is usually a strong one', () => {
  let efficiency = 0
  const n = 400
  for (let seed = 0; seed < n; seed++) {
    const offer = enchanting.computeOffers({ itemName: 'diamond_pickaxe', bookshelves: 15, seed, registry })[2]
    const rolled = enchanting.rollEnchantments({ itemName: 'diamond_pickaxe', level: offer.cost, seed, optionIndex: 2, registry })
    const eff = rolled.find(r => r.name === 'efficiency')
    if (eff) {
      efficiency++
      assert.ok(eff.level >= 3, `efficiency ${eff.level} at level 30`) // modified level 26..40 gives III or IV
    }
  }
  // efficiency weighs 10 of 18 among efficiency, unbreaking, fortune, silk touch, and extras add more chances
  assert.ok(efficiency > n * 0.45 && efficiency < n * 0.95, `efficiency in ${efficiency}/${n}`)
})
