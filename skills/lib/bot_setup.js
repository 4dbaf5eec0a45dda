'use strict'
// Preparing a bot for the skills: the plugins they use, a bounded path search (an unbounded pathfinder
// search once ran Node out of memory on this machine), corrections of what minecraft-data and prismarine
// get wrong on 1.21.4, and the game-tick count of skill results.
const { pathfinder, Movements } = require('mineflayer-pathfinder')
const { plugin: collectBlock } = require('mineflayer-collectblock')
const { plugin: tool } = require('mineflayer-tool')
const { fixDigSpeeds } = require('./world_package')
require('./world_clock') // path searches run with the world stopped where it can be (the embedded world)

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
    // The pathfinder searches in slices of tickTimeout ms, one per tick, and walks the best partial path
    // meanwhile; on the embedded world each slice runs with the clock stopped and reads real time
    // (skills/lib/world_clock.js), so both budgets mean the same at any speed K.
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

module.exports = { prepareBot, gameTicks }
