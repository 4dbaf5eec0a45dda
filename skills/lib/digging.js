'use strict'
// Digging one block the way a player does: with the right tool (sparing the good ones), landed first (a dig
// started in the air is five times slower), and waiting until the block is really gone.
const { SkillError } = require('./errors')
const { sleep, abortable } = require('./cancel')

function isFluid (block) {
  return !!block && (block.name === 'water' || block.name === 'lava' || block.name === 'bubble_column')
}

/** A full block to stand on or build against (not a fluid, a plant or a slab's air). */
function isSolid (block) {
  return !!block && block.boundingBox === 'block' && !isFluid(block)
}

// Nothing left to dig: air or fluid. (Not an empty bounding box: sugar cane, flowers and grass have none
// but are blocks to dig.)
function isGone (block) {
  return !block || block.name === 'air' || block.name === 'cave_air' || block.name === 'void_air' || isFluid(block)
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
  try { bot.pathfinder?.setGoal(null) } catch {} // a pathfinder planning anew would stop this dig
  try {
    await abortable(signal, bot.dig(block, true), () => { try { bot.stopDigging() } catch {} })
  } catch (err) {
    if (signal.aborted || !/Digging aborted/i.test(err?.message)) throw err
    throw new SkillError('unreachable', `digging ${block.name} at ${pos} was interrupted`)
  }
  const start = Date.now()
  ctx.log(`dug ${block.name} in ${start - t0} ms (expected ${bot.digTime(block)} ms)`)
  while (Date.now() - start < 1500) {
    const now = bot.blockAt(pos)
    if (!now || now.type !== block.type) return true
    await sleep(signal, 50)
  }
  return false
}

module.exports = { isFluid, isSolid, chooseTool, digAt }
