'use strict'
// What every skill needs: the bot's plugins and corrections, inventory counting, abortable waits, and a
// bounded path search (an unbounded pathfinder search once ran Node out of memory on this machine).
const path = require('path')
const BRIDGE = path.join(__dirname, '..', '..', 'bridge')
const bridgeRequire = name => require(require.resolve(name, { paths: [BRIDGE] }))
const { pathfinder, Movements, goals } = bridgeRequire('mineflayer-pathfinder')
const { plugin: collectBlock } = bridgeRequire('mineflayer-collectblock')
const { plugin: tool } = bridgeRequire('mineflayer-tool')
const { fixDigSpeeds } = require(path.join(BRIDGE, 'shared', 'registry_fixes.js'))
const { SkillError } = require('./errors')

// Path search bounds: total think time per goto, per-tick budget, and how far the search may reach.
const PATH_LIMITS = { thinkTimeoutMs: 4000, tickTimeoutMs: 30, searchRadius: 96 }

/** Load the plugins the skills use and correct what minecraft-data/prismarine get wrong on 1.21.4. */
function prepareBot (bot) {
  bot.loadPlugin(pathfinder)
  bot.loadPlugin(collectBlock)
  bot.loadPlugin(tool)
  bot.__physicsTicks = 0
  bot.on('physicsTick', () => { bot.__physicsTicks++ })
  const setup = () => {
    fixDigSpeeds(bot.registry)
    bot.pathfinder.thinkTimeout = PATH_LIMITS.thinkTimeoutMs
    bot.pathfinder.tickTimeout = PATH_LIMITS.tickTimeoutMs
    bot.pathfinder.searchRadius = PATH_LIMITS.searchRadius
    bot.pathfinder.setMovements(defaultMovements(bot))
  }
  if (bot.registry && bot.pathfinder) setup()
  else bot.once('inject_allowed', () => setImmediate(setup))
  bot.on('spawn', () => { if (bot.pathfinder && !bot.pathfinder.movements) setup() })
  // prismarine-item on 1.21.4 returns the raw enchantments component from item.enchants, which makes
  // mineflayer's dig-time code throw "enchantments is not iterable" while an enchanted item is held.
  bot.once('inject_allowed', () => bot.inventory?.on?.('updateSlot', (slot, old, item) => item && fixEnchantsGetter(item, bot)))
  bot.on('windowOpen', w => w.on('updateSlot', (slot, old, item) => item && fixEnchantsGetter(item, bot)))
}

/** Game ticks the bot has lived through (its physics ticks, 20 per second), for skill results. */
function gameTicks (bot) {
  return bot.__physicsTicks ?? Number(bot.time?.age ?? 0)
}

function defaultMovements (bot) {
  const m = new Movements(bot)
  m.canDig = true
  m.allow1by1towers = true
  m.allowParkour = false // parkour jumps fail often on a server with coarse physics checks
  m.allowSprinting = true
  m.maxDropDown = 4
  const names = ['dirt', 'cobblestone', 'cobbled_deepslate', 'netherrack', 'stone', 'andesite']
  m.scafoldingBlocks = names.map(n => bot.registry.itemsByName[n]?.id).filter(id => id !== undefined)
  return m
}

function fixEnchantsGetter (item, bot) {
  const proto = Object.getPrototypeOf(item)
  if (proto.__enchantsFixed) return
  Object.defineProperty(proto, '__enchantsFixed', { value: true })
  const original = Object.getOwnPropertyDescriptor(proto, 'enchants')
  Object.defineProperty(proto, 'enchants', {
    configurable: true,
    get () {
      const comp = (this.components || []).find(c => c.type === 'enchantments' || c.type === 'stored_enchantments')
      if (comp) {
        return (comp.data?.enchantments || [])
          .map(e => ({ name: bot.registry.enchantments[e.id]?.name, lvl: e.level }))
          .filter(e => e.name)
      }
      const value = original?.get ? original.get.call(this) : []
      return Array.isArray(value) ? value : []
    }
  })
}

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

function stopMotion (bot) {
  try { bot.pathfinder?.stop() } catch {}
  try { bot.pathfinder?.setGoal(null) } catch {}
  try { if (bot.targetDigBlock) bot.stopDigging() } catch {}
  try { bot.clearControlStates() } catch {}
}

function throwIfAborted (signal) {
  if (signal.aborted) throw signal.reason
}

/** Sleep that ends early (rejecting) when the skill is aborted. */
function sleep (signal, ms) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve() }, ms)
    function onAbort () { clearTimeout(t); reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Run a promise-returning mineflayer call; on abort, run `onAbort` (stop digging, close window) and reject. */
function abortable (signal, promise, onAbort = () => {}) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) { onAbort(); return reject(signal.reason) }
    const handler = () => { try { onAbort() } catch {} reject(signal.reason) }
    signal.addEventListener('abort', handler, { once: true })
    promise.then(v => { signal.removeEventListener('abort', handler); resolve(v) },
      e => { signal.removeEventListener('abort', handler); reject(e) })
  })
}

/**
 * Walk to a pathfinder goal with bounded search. Throws SkillError('unreachable') when no path is found
 * within the bounds, and stops the pathfinder when the skill is aborted.
 */
async function goto (ctx, goal) {
  const { bot, signal } = ctx
  throwIfAborted(signal)
  try {
    await abortable(signal, bot.pathfinder.goto(goal), () => stopMotion(bot))
  } catch (err) {
    if (signal.aborted) throw signal.reason
    const name = err?.name || ''
    if (/NoPath|Timeout|GoalChanged|PathStopped/i.test(name + ' ' + err?.message)) {
      throw new SkillError('unreachable', `no path to the goal within the search bounds (${err.message})`)
    }
    throw err
  }
}

/** Block names that a registry entry list (by name) accepts: 'oak_log' → ['oak_log']; used by skills. */
function blockIdsByNames (registry, names) {
  return names.map(n => registry.blocksByName[n]?.id).filter(id => id !== undefined)
}

module.exports = {
  PATH_LIMITS,
  goals,
  prepareBot,
  gameTicks,
  inventoryCounts,
  inventoryDelta,
  count,
  stopMotion,
  throwIfAborted,
  sleep,
  abortable,
  goto,
  blockIdsByNames,
  bridgeRequire
}
