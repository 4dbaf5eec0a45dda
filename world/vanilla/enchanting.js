'use strict'
// The enchanting table of vanilla Java 1.21.4: offer costs from the bookshelf count, and which enchantments an
// offer applies, drawn from minecraft-data's enchantment weights and cost ranges.
//
// The arithmetic follows vanilla (EnchantmentMenu, EnchantmentHelper.getEnchantmentCost / selectEnchantment)
// step for step, including its random number generator (java.util.Random's 48-bit LCG, which vanilla's
// "legacy" random source is), so a player's enchantment seed gives the offers a vanilla server would give,
// and the same seed always gives the same offers. Costs use one generator seeded with the enchantment seed;
// the enchantments of option i use one seeded with seed + i, so what an offer shows is what clicking it
// applies. As in vanilla the shown enchantment (the "clue") is one of the applied list, picked at random.
//
// Not in minecraft-data, written by hand from vanilla 1.21.4 (enchanting.json): enchantability (the
// `enchantable` item component), the enchanting-table enchantment order (tag #minecraft:in_enchanting_table)
// and, here, the "primary items" that narrow a few enchantments at the table (sharpness on axes only via an
// anvil).
const mcData = require('minecraft-data')
const { minecraft: VERSION } = require('./versions.json')
const table = require('./enchanting.json')

const MAX_BOOKSHELVES = table.max_bookshelves

// `enchantable` values. Tools and armour of the same material differ (iron tools 14, iron armour 9).
const ENCHANTABILITY = (() => {
  const { items, tools, tool_kinds: toolKinds, armor, armor_kinds: armorKinds } = table.enchantability
  const t = new Map(Object.entries(items))
  for (const [m, v] of Object.entries(tools)) for (const k of toolKinds) t.set(`${m}_${k}`, v)
  for (const [m, v] of Object.entries(armor)) for (const k of armorKinds) t.set(`${m}_${k}`, v)
  return t
})()

// #minecraft:in_enchanting_table (= #non_treasure) in vanilla's order; the order matters to the weighted draw.
const TABLE_ENCHANTMENTS = table.table_enchantments

// minecraft-data's `category` is the enchantment's supported items (what an anvil accepts). At the table
// vanilla uses the primary items where an enchantment has them.
const isSword = item => (item.enchantCategories || []).includes('sword')
const PRIMARY_ITEMS = {
  sharpness: isSword,
  smite: isSword,
  bane_of_arthropods: isSword,
  fire_aspect: isSword,
  thorns: item => item.name.endsWith('_chestplate')
}

const DEFAULT_REGISTRY = mcData(VERSION)

function checkTables (registry) {
  const missingItems = [...ENCHANTABILITY.keys()].filter(n => !registry.itemsByName[n])
  if (missingItems.length) throw new Error(`enchantability: not items in minecraft-data: ${missingItems.join(', ')}`)
  for (const name of TABLE_ENCHANTMENTS) {
    const e = registry.enchantmentsByName[name]
    if (!e) throw new Error(`enchanting table: ${name} is not an enchantment in minecraft-data`)
    if (e.treasureOnly) throw new Error(`enchanting table: ${name} is treasure-only in minecraft-data`)
  }
}
checkTables(DEFAULT_REGISTRY)

// java.util.Random: 48-bit linear congruential generator (BigInt keeps the 48-bit products exact).
const MULTIPLIER = 0x5DEECE66Dn
const MASK48 = (1n << 48n) - 1n

function javaRandom (seed) {
  let state = (BigInt(seed) ^ MULTIPLIER) & MASK48
  const next = bits => {
    state = (state * MULTIPLIER + 0xBn) & MASK48
    return Number(BigInt.asIntN(32, state >> BigInt(48 - bits)))
  }
  const nextInt = bound => {
    if (!(bound > 0)) throw new RangeError(`nextInt bound must be positive, got ${bound}`)
    if ((bound & -bound) === bound) return Number((BigInt(bound) * BigInt(next(31))) >> 31n)
    let bits, val
    do {
      bits = next(31)
      val = bits % bound
    } while (bits - val + (bound - 1) > 0x7fffffff) // Java's int overflow test
    return val
  }
  const nextFloat = () => next(24) / (1 << 24)
  return { nextInt, nextFloat }
}

function toInt32Seed (seed) {
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new TypeError(`seed must be an integer, got ${seed}`)
  return seed | 0
}

function clampBookshelves (bookshelves) {
  if (typeof bookshelves !== 'number' || !Number.isFinite(bookshelves)) {
    throw new TypeError(`bookshelves must be a number, got ${bookshelves}`)
  }
  return Math.max(0, Math.min(MAX_BOOKSHELVES, Math.floor(bookshelves)))
}

/** How well `itemName` takes enchantments at the table (vanilla `enchantable`); 0 = not enchantable there. */
function enchantability (itemName) {
  return ENCHANTABILITY.get(itemName) ?? 0
}

/** Enchantments of the table that can be drawn for `itemName` (books take all of them). */
function applicableEnchantments (itemName, registry = DEFAULT_REGISTRY) {
  const item = registry.itemsByName[itemName]
  if (!item || enchantability(itemName) <= 0) return []
  const isBook = itemName === 'book'
  const categories = item.enchantCategories || []
  return TABLE_ENCHANTMENTS.map(n => registry.enchantmentsByName[n]).filter(e => {
    if (isBook) return true
    if (!categories.includes(e.category)) return false
    const primary = PRIMARY_ITEMS[e.name]
    return primary ? primary(item) : true
  })
}

/** Whether two enchantments may sit on one item (vanilla Enchantment.areCompatible). */
function compatible (a, b) {
  return a.name !== b.name && !(a.exclude || []).includes(b.name) && !(b.exclude || []).includes(a.name)
}

const cost = ({ a, b }, level) => a * level + b

// EnchantmentHelper.getEnchantmentCost: every slot draws its own base.
function slotCost (random, slot, bookshelves, value) {
  if (value <= 0) return 0
  const base = random.nextInt(8) + 1 + (bookshelves >> 1) + random.nextInt(bookshelves + 1)
  if (slot === 0) return Math.max(Math.floor(base / 3), 1)
  if (slot === 1) return Math.floor(base * 2 / 3) + 1
  return Math.max(base, bookshelves * 2)
}

// EnchantmentHelper.getAvailableEnchantmentResults: each enchantment at the highest level whose cost range
// contains the modified level.
function availableAt (level, candidates) {
  const out = []
  for (const e of candidates) {
    for (let l = e.maxLevel; l >= 1; l--) {
      if (level >= cost(e.minCost, l) && level <= cost(e.maxCost, l)) {
        out.push({ ench: e, level: l })
        break
      }
    }
  }
  return out
}

function weightedPick (random, list) {
  const total = list.reduce((s, x) => s + x.ench.weight, 0)
  if (total <= 0) return null
  let r = random.nextInt(total)
  for (const x of list) {
    r -= x.ench.weight
    if (r < 0) return x
  }
  return null
}

// EnchantmentHelper.selectEnchantment
function selectEnchantments (random, itemName, level, registry) {
  const value = enchantability(itemName)
  const chosen = []
  if (value <= 0) return chosen
  level += 1 + random.nextInt(Math.floor(value / 4) + 1) + random.nextInt(Math.floor(value / 4) + 1)
  const f = Math.fround(Math.fround(Math.fround(random.nextFloat() + random.nextFloat()) - 1) * Math.fround(0.15))
  level = Math.max(1, Math.round(Math.fround(level + Math.fround(level * f))))
  let pool = availableAt(level, applicableEnchantments(itemName, registry))
  if (pool.length === 0) return chosen
  const first = weightedPick(random, pool)
  if (first) chosen.push(first)
  while (random.nextInt(50) <= level) {
    if (chosen.length) {
      const last = chosen[chosen.length - 1].ench
      pool = pool.filter(x => compatible(last, x.ench))
    }
    if (pool.length === 0) break
    const extra = weightedPick(random, pool)
    if (extra) chosen.push(extra)
    level = Math.floor(level / 2)
  }
  return chosen
}

// EnchantmentMenu.getEnchantmentList: option i draws from seed + i; a book loses one of several at random.
// Returns the list and the generator, which the menu goes on using to pick the clue.
function enchantmentList (itemName, level, seed, optionIndex, registry) {
  const random = javaRandom((seed + optionIndex) | 0)
  const list = selectEnchantments(random, itemName, level, registry)
  if (itemName === 'book' && list.length > 1) list.splice(random.nextInt(list.length), 1)
  return { list, random }
}

const asResult = x => ({ name: x.ench.name, level: x.level })

/**
 * The three offers of an enchanting table for `itemName` with `bookshelves` bookshelves around it and the
 * player's enchantment `seed` (an int32). Each is {cost, enchantment: {name, level}, enchantmentId} or null
 * when the slot is not offered (cost below its slot number, or nothing to draw). `enchanted`: the item
 * already has enchantments (vanilla then offers nothing, books excepted: they are never enchanted).
 */
function computeOffers ({ itemName, bookshelves = 0, seed, registry = DEFAULT_REGISTRY, enchanted = false }) {
  const b = clampBookshelves(bookshelves)
  const s = toInt32Seed(seed)
  const value = enchanted ? 0 : enchantability(itemName)
  const random = javaRandom(s)
  const costs = [0, 1, 2].map(slot => {
    const c = slotCost(random, slot, b, value)
    return c < slot + 1 ? 0 : c
  })
  return costs.map((c, slot) => {
    if (c <= 0) return null
    const { list, random: r } = enchantmentList(itemName, c, s, slot, registry)
    if (list.length === 0) return null
    const clue = list[r.nextInt(list.length)]
    return { cost: c, enchantment: asResult(clue), enchantmentId: clue.ench.id }
  })
}

/**
 * The enchantments that choosing option `optionIndex` (0..2) applies, where `level` is that offer's cost:
 * [{name, level}, ...], in the order vanilla adds them. Same inputs, same result; the offer's shown
 * enchantment is always among them.
 */
function rollEnchantments ({ itemName, level, seed, optionIndex, registry = DEFAULT_REGISTRY }) {
  if (![0, 1, 2].includes(optionIndex)) throw new RangeError(`optionIndex must be 0, 1 or 2, got ${optionIndex}`)
  if (!Number.isInteger(level) || level < 1) throw new RangeError(`level must be a positive integer, got ${level}`)
  return enchantmentList(itemName, level, toInt32Seed(seed), optionIndex, registry).list.map(asResult)
}

module.exports = {
  MAX_BOOKSHELVES,
  enchantability,
  applicableEnchantments,
  compatible,
  computeOffers,
  rollEnchantments,
  javaRandom,
  TABLE_ENCHANTMENTS
}
