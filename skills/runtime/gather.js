'use strict'
// Gathering: mine:<block> (find the nearest such block, walk there, dig it with the right tool, pick up
// what drops; repeat until `count` items of its drop were gained) and collect:<item> (pick up dropped items
// lying nearby). Searches are bounded (48 blocks, a few dozen candidates, a few failed targets), every
// walk goes through the bounded goto of common.js, and every wait ends when the skill is aborted.
const { SkillError } = require('./errors')
const { goals, goto, sleep, abortable, throwIfAborted, inventoryCounts } = require('./common')

const SEARCH_RADIUS = 48 // blocks around the bot searched for the target block
const SEARCH_COUNT = 64 // candidate blocks considered per search
const REACH = 4.3 // eye-to-block-centre distance the bot digs from (vanilla survival reach 4.5)
const EYE_HEIGHT = 1.62
const MAX_FAILED_TARGETS = 6 // unreachable or undiggable candidates skipped before giving up
const ITEM_RADIUS = 32 // collect: how far dropped items are looked for
const DROP_RADIUS = 6 // mine/kill: how far from the broken block (dead mob) its drops are looked for
const NOT_MINEABLE = new Set(['air', 'cave_air', 'void_air', 'water', 'lava', 'bubble_column'])
const BURIED_PENALTY = 6 // blocks of extra distance for a candidate with no open face (it must be dug to)

// A standing position from which the block centre is within `reach` of the eyes (no line-of-sight test:
// a server only checks the distance, and blocks in the way are dug by the path itself).
class GoalReach extends goals.Goal {
  constructor (pos, reach = REACH) {
    super()
    this.pos = pos
    this.reach = reach
  }

  heuristic (node) {
    const dx = node.x - this.pos.x
    const dy = node.y - this.pos.y
    const dz = node.z - this.pos.z
    return Math.max(0, Math.sqrt(dx * dx + dz * dz) + Math.abs(dy) - this.reach + 1)
  }

  isEnd (node) {
    if (node.x === this.pos.x && node.z === this.pos.z && (node.y === this.pos.y || node.y === this.pos.y - 1)) return false
    const dx = node.x + 0.5 - (this.pos.x + 0.5)
    const dy = node.y + EYE_HEIGHT - (this.pos.y + 0.5)
    const dz = node.z + 0.5 - (this.pos.z + 0.5)
    return dx * dx + dy * dy + dz * dz <= this.reach * this.reach
  }
}

function withinReach (bot, pos, reach = REACH) {
  const eye = bot.entity.position.offset(0, EYE_HEIGHT, 0)
  return eye.distanceTo(pos.offset(0.5, 0.5, 0.5)) <= reach + 0.2
}

/**
 * The blocks mine:<name> accepts: the name itself, and for ores the stone/deepslate pair (iron_ore and
 * deepslate_iron_ore are one family: both drop raw iron and need the same pickaxe).
 */
function blockFamily (registry, name) {
  if (!/_ore$/.test(name)) return [name]
  const base = name.replace(/^deepslate_/, '')
  return [name, ...[base, `deepslate_${base}`].filter(n => n !== name && registry.blocksByName[n])]
}

/** Item names a block can drop without silk touch (loot table, else minecraft-data's drops, else itself). */
function dropNames (registry, blockName) {
  const names = new Set()
  for (const d of registry.blockLoot?.[blockName]?.drops || []) if (!d.silkTouch) names.add(d.item)
  const block = registry.blocksByName[blockName]
  for (const d of block?.drops || []) {
    const id = typeof d === 'object' ? (d.drop?.id ?? d.id) : d
    if (registry.items[id]) names.add(registry.items[id].name)
  }
  if (names.size === 0 && registry.itemsByName[blockName]) names.add(blockName)
  return [...names]
}

function gainedOf (before, after, names) {
  return names.reduce((n, name) => n + Math.max(0, (after[name] || 0) - (before[name] || 0)), 0)
}

function isFluid (block) {
  return !!block && (block.name === 'water' || block.name === 'lava' || block.name === 'bubble_column')
}

function isOpen (block) {
  return !block || (block.boundingBox === 'empty' && !isFluid(block))
}

// Nothing left to dig: air or fluid. (Not isOpen: sugar cane, flowers and grass have no bounding box
// but are blocks to dig.)
function isGone (block) {
  return !block || block.name === 'air' || block.name === 'cave_air' || block.name === 'void_air' || isFluid(block)
}

function exposed (bot, pos) {
  for (const [dx, dy, dz] of [[0, 1, 0], [0, -1, 0], [1, 0, 0], [-1, 0, 0], [0, 0, 1], [0, 0, -1]]) {
    if (isOpen(bot.blockAt(pos.offset(dx, dy, dz)))) return true
  }
  return false
}

/**
 * Digging straight down is only safe onto solid ground: a block right under the bot's feet column whose
 * own floor is air, water or lava is left alone (vanilla's first rule of mining).
 */
function unsafeUnderFeet (bot, pos) {
  const feet = bot.entity.position.floored()
  if (pos.x !== feet.x || pos.z !== feet.z || pos.y >= feet.y) return false
  const below = bot.blockAt(pos.offset(0, -1, 0))
  return !below || below.boundingBox !== 'block' || isFluid(below)
}

function toolNames (registry, harvestTools) {
  return Object.keys(harvestTools || {}).map(id => registry.items[id]?.name).filter(Boolean)
}

function digTimeWith (bot, block, item) {
  return block.digTime(item ? item.type : null, false, false, false, [], bot.entity?.effects || {})
}

/**
 * The best item to dig `block` with: a tool that can harvest it (its drops need one), else the fastest
 * item, preferring what is already held. Throws SkillError('missing_tool') when a harvest tool is needed
 * and the bot has none. Returns { item (null = hand), ms }.
 */
function chooseTool (bot, block) {
  const needs = block.harvestTools
  const held = bot.heldItem || null
  const options = [null, ...bot.inventory.items()]
  const usable = needs ? options.filter(i => i && needs[i.type]) : options
  if (usable.length === 0) {
    const names = toolNames(bot.registry, needs)
    throw new SkillError('missing_tool', `${block.name} needs one of: ${names.join(', ')} (it drops nothing without one)`)
  }
  let best = null
  let bestMs = Infinity
  for (const item of usable) {
    const ms = digTimeWith(bot, block, item)
    if (ms < bestMs) { best = item; bestMs = ms }
  }
  // Spare the good tools: among the tools at most twice as slow as the fastest, take the cheapest. A
  // staircase to diamond level digs hundreds of stone blocks, which would wear out an iron pickaxe that the
  // diamond ore needs; a stone pickaxe (cheap to replace) digs stone at 0.6 s instead of 0.4 s.
  let cheapest = best
  for (const item of usable) {
    const ms = digTimeWith(bot, block, item)
    if (ms <= Math.max(bestMs * 2, 0.05) && toolCost(item) < toolCost(cheapest)) cheapest = item
  }
  best = cheapest
  bestMs = digTimeWith(bot, block, best)
  // keep the held item when it is as good (no needless equip, no wear on a better tool)
  if (!needs || (held && needs[held.type])) {
    const heldMs = digTimeWith(bot, block, held)
    if (heldMs <= bestMs && toolCost(held) <= toolCost(best)) return { item: held, ms: heldMs }
  }
  return { item: best, ms: bestMs }
}

const MATERIAL_COST = { wooden: 1, golden: 1, stone: 2, iron: 3, diamond: 4, netherite: 5 }

/** How costly it is to wear out this item (the hand and non-tools cost nothing). */
function toolCost (item) {
  if (!item) return 0
  const material = item.name.split('_')[0]
  return /_(pickaxe|axe|shovel|hoe|sword|shears)$/.test(item.name) ? (MATERIAL_COST[material] ?? 2) : 0
}

async function equipFor (ctx, block) {
  const { bot, signal } = ctx
  const { item, ms } = chooseTool(bot, block)
  if (ms === Infinity) throw new SkillError('failed', `${block.name} cannot be broken`)
  const held = bot.heldItem || null
  if (item && (!held || held.type !== item.type || held.slot !== item.slot)) {
    await abortable(signal, bot.equip(item, 'hand'))
  } else if (!item && held) {
    // the hand is the best option; the held item digs at hand speed unless it is a tool for this block
    if (digTimeWith(bot, block, held) > ms) await abortable(signal, bot.unequip('hand'))
  }
  return item
}

/**
 * Dig the block at `pos` (already within reach) with the best tool. Resolves true once the block is gone.
 */
async function digAt (ctx, pos) {
  const { bot, signal } = ctx
  let block = bot.blockAt(pos)
  if (isGone(block)) return true
  await equipFor(ctx, block)
  // mineflayer times the dig from the moment it starts: in the air (just after a step or a jump) it would be
  // five times slower for the whole dig, so land first
  const landStart = Date.now()
  while (!bot.entity.onGround && !bot.entity.isInWater && Date.now() - landStart < 1500) await sleep(signal, 50)
  block = bot.blockAt(pos)
  if (isGone(block)) return true
  const t0 = Date.now()
  await abortable(signal, bot.dig(block, true), () => { try { bot.stopDigging() } catch {} })
  const start = Date.now()
  ctx.log(`dug ${block.name} in ${start - t0} ms (expected ${bot.digTime(block)} ms)`)
  while (Date.now() - start < 1500) {
    const now = bot.blockAt(pos)
    if (!now || now.type !== block.type) return true
    await sleep(signal, 50)
  }
  return false
}

/** Dropped item entities (optionally of some names) near `center`, nearest to the bot first. */
function itemEntities (bot, center, radius, names) {
  const out = []
  for (const e of Object.values(bot.entities)) {
    if (e.name !== 'item' || !e.position || e.position.distanceTo(center) > radius) continue
    const name = e.getDroppedItem?.()?.name
    if (names && !names.includes(name)) continue
    out.push(e)
  }
  const here = bot.entity.position
  return out.sort((a, b) => a.position.distanceTo(here) - b.position.distanceTo(here))
}

// An entity is still there while mineflayer holds an entity of that kind under its id. (A late move packet
// after a destroy makes mineflayer create a new, nameless entity under the old id; a spawn packet sent
// again when the bot comes back into range replaces the object with a new one of the same kind.)
function present (bot, entity) {
  const now = bot.entities[entity.id]
  return !!now && now.isValid !== false && now.name === entity.name
}

/**
 * Walk onto dropped items near `center` (names: the item names wanted, or null for any) until none are
 * left, `maxItems` were tried or `maxMs` passed. Unreachable items are skipped. Returns how many entities
 * were picked up.
 */
async function pickUpNear (ctx, center, { names = null, radius = DROP_RADIUS, maxItems = 12, maxMs = 15000, settleMs = 400 } = {}) {
  const { bot, signal } = ctx
  const start = Date.now()
  const skipped = new Set()
  let picked = 0
  if (settleMs) await sleep(signal, settleMs) // let the drops spawn and land
  for (let tries = 0; tries < maxItems && Date.now() - start < maxMs; tries++) {
    const target = itemEntities(bot, center, radius, names).find(e => !skipped.has(e.id))
    if (!target) break
    const p = target.position
    ctx.log(`item ${target.getDroppedItem?.()?.name} at ${p.x.toFixed(1)} ${p.y.toFixed(1)} ${p.z.toFixed(1)}, bot at ${bot.entity.position.x.toFixed(1)} ${bot.entity.position.y.toFixed(1)} ${bot.entity.position.z.toFixed(1)}`)
    if (bot.entity.position.distanceTo(p) > 1.2) {
      try {
        await goto(ctx, new goals.GoalNear(Math.floor(p.x), Math.floor(p.y), Math.floor(p.z), 1))
      } catch (err) {
        if (signal.aborted) throw signal.reason
        if (err instanceof SkillError && err.kind === 'unreachable') { skipped.add(target.id); continue }
        throw err
      }
    }
    // the server picks items up within ~1.75 blocks once their pickup delay is over
    const waitStart = Date.now()
    while (present(bot, target) && Date.now() - waitStart < 2000) await sleep(signal, 50)
    ctx.log(`after walk: ${present(bot, target) ? 'still there' : 'picked'}`)
    if (present(bot, target)) {
      // still there: step right onto it once, then give up on it
      try {
        const q = (bot.entities[target.id] || target).position
        await goto(ctx, new goals.GoalBlock(Math.floor(q.x), Math.floor(q.y + 0.2), Math.floor(q.z)))
        const t2 = Date.now()
        while (present(bot, target) && Date.now() - t2 < 1000) await sleep(signal, 50)
      } catch (err) {
        if (signal.aborted) throw signal.reason
      }
      if (present(bot, target)) { skipped.add(target.id); continue }
    }
    picked++
  }
  return picked
}

function posList (positions) {
  return positions.map(p => [p.x, p.y, p.z])
}

// ---- mine:<block> -------------------------------------------------------------------------------------------

async function mine (ctx, target, { count }) {
  const { bot, registry, signal } = ctx
  const family = blockFamily(registry, target)
  const ids = family.map(n => registry.blocksByName[n].id)
  const drops = [...new Set(family.flatMap(n => dropNames(registry, n)))]
  const before = inventoryCounts(bot)
  const gained = () => gainedOf(before, inventoryCounts(bot), drops)
  const failed = new Set() // positions given up on
  const positions = []
  let failures = 0
  let lastError = null
  const maxDigs = count * 3 + 4 // blocks whose drops are chance-based (leaves, gravel) cannot loop forever

  while (gained() < count && positions.length < maxDigs) {
    throwIfAborted(signal)
    const here = bot.entity.position
    const candidates = bot.findBlocks({ matching: ids, maxDistance: SEARCH_RADIUS, count: SEARCH_COUNT })
      .filter(p => !failed.has(p.toString()))
      .map(p => ({ p, score: p.offset(0.5, 0.5, 0.5).distanceTo(here) + (exposed(bot, p) ? 0 : BURIED_PENALTY) + (family.indexOf(bot.blockAt(p)?.name) > 0 ? 2 : 0) }))
      .sort((a, b) => a.score - b.score)
    if (candidates.length === 0) break
    const pos = candidates[0].p
    const block = bot.blockAt(pos)
    if (!block || !ids.includes(block.type)) { failed.add(pos.toString()); continue }
    if (unsafeUnderFeet(bot, pos)) { failed.add(pos.toString()); ctx.log(`skipping ${pos}: digging it would drop the bot into a hole or a fluid`); continue }
    chooseTool(bot, block) // fail early (missing_tool) before walking anywhere
    try {
      if (!withinReach(bot, pos)) {
        ctx.progress(`walking to ${block.name} at ${pos.x} ${pos.y} ${pos.z}`)
        await goto(ctx, new GoalReach(pos))
      }
      if (!withinReach(bot, pos, REACH + 1)) throw new SkillError('unreachable', `could not get within reach of ${block.name} at ${pos}`)
      const now = bot.blockAt(pos)
      if (!now || !ids.includes(now.type)) { failed.add(pos.toString()); continue }
      ctx.progress(`digging ${now.name} at ${pos.x} ${pos.y} ${pos.z}`)
      if (!(await digAt(ctx, pos))) throw new SkillError('failed', `${now.name} at ${pos} did not break`)
    } catch (err) {
      if (signal.aborted) throw signal.reason
      if (!(err instanceof SkillError) || err.kind === 'missing_tool') throw err
      lastError = err
      failed.add(pos.toString())
      if (++failures >= MAX_FAILED_TARGETS) break
      continue
    }
    positions.push(pos)
    await pickUpNear(ctx, pos.offset(0.5, 0.5, 0.5), { names: drops })
    ctx.progress(`${target}: ${gained()}/${count} ${drops[0] || ''} gained`)
  }

  const got = gained()
  if (got === 0) {
    if (positions.length > 0) throw new SkillError('failed', `dug ${positions.length} ${target} but picked up none of its drops (${drops.join(', ')})`)
    if (lastError) throw new SkillError(lastError.kind, `no reachable ${target} within ${SEARCH_RADIUS} blocks: ${lastError.message}`)
    throw new SkillError('not_found', `no ${family.join(' or ')} within ${SEARCH_RADIUS} blocks`)
  }
  return { gained: got, items: drops.filter(n => (inventoryCounts(bot)[n] || 0) > (before[n] || 0)), dug: positions.length, positions: posList(positions) }
}

// ---- collect:<item> -----------------------------------------------------------------------------------------

async function collect (ctx, target, { count }) {
  const { bot, signal } = ctx
  const before = inventoryCounts(bot)
  const gained = () => gainedOf(before, inventoryCounts(bot), [target])
  const lying = itemEntities(bot, bot.entity.position, ITEM_RADIUS, [target])
  if (lying.length === 0) throw new SkillError('not_found', `no dropped ${target} within ${ITEM_RADIUS} blocks`)
  ctx.progress(`${lying.length} dropped ${target} nearby`)
  const skipped = new Set()
  for (let round = 0; round < 32 && gained() < count; round++) {
    throwIfAborted(signal)
    const left = itemEntities(bot, bot.entity.position, ITEM_RADIUS, [target]).filter(e => !skipped.has(e.id))
    if (left.length === 0) break
    const e = left[0]
    const picked = await pickUpNear(ctx, e.position.clone(), { names: [target], radius: 0.01, maxItems: 1, settleMs: 0, maxMs: 8000 })
    if (!picked) skipped.add(e.id)
    else ctx.progress(`picked up ${target}: ${gained()} so far`)
  }
  const got = gained()
  if (got === 0) throw new SkillError('unreachable', `could not reach any of the ${lying.length} dropped ${target}`)
  return { gained: got }
}

const defs = [
  {
    verb: 'mine',
    target: 'block',
    description: target => `find the nearest ${target} block, walk to it, dig it with the right tool and pick up what drops` +
      (/_ore$/.test(target) ? ' (stone and deepslate variants of an ore count as the same ore)' : ''),
    args: { count: { type: 'integer', min: 1, max: 64, default: 1 } },
    validTarget: (target, registry) => {
      const b = registry.blocksByName[target]
      return !!b && b.diggable !== false && !NOT_MINEABLE.has(target)
    },
    run: mine
  },
  {
    verb: 'collect',
    target: 'item',
    description: target => `walk to nearby dropped ${target} items lying on the ground and pick them up`,
    args: { count: { type: 'integer', min: 1, max: 64, default: 64 } },
    validTarget: (target, registry) => !!registry.itemsByName[target],
    run: collect
  }
]

// Shared with movement.js and combat.js (not verbs: the runner only reads the array's elements).
Object.defineProperty(defs, 'helpers', {
  value: { present, GoalReach, withinReach, blockFamily, dropNames, chooseTool, equipFor, digAt, pickUpNear, itemEntities, isFluid, isOpen, REACH }
})

module.exports = defs
