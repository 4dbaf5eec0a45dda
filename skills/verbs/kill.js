'use strict'
// kill:<mob>: find a passive mob, chase it, hit it with the best weapon at the weapon's cooldown until it
// dies, and pick up the loot.
const { SkillError } = require('../lib/errors')
const { sleep, abortable, throwIfAborted } = require('../lib/cancel')
const { goals } = require('../lib/pathing')
const { inventoryCounts } = require('../lib/inventory')
const { pickUpNear, present } = require('../lib/pickup')

const KILLABLE = new Set(['cow', 'sheep', 'pig', 'chicken'])
const MOB_SEARCH_RADIUS = 48
const ATTACK_REACH = 3.0 // eyes to the mob's body centre, vanilla survival reach
const MIN_HIT_INTERVAL_MS = 650 // a sword's full charge (vanilla 12.5 ticks) and past the 10-tick invulnerability
const GIVE_UP_WITHOUT_HIT_MS = 20000 // chase without landing a hit this long: unreachable
const LOOT_RADIUS = 5

// Vanilla melee values: damage and attacks per second.
const SWORDS = { netherite_sword: [8, 1.6], diamond_sword: [7, 1.6], iron_sword: [6, 1.6], stone_sword: [5, 1.6], golden_sword: [4, 1.6], wooden_sword: [4, 1.6] }
const AXES = { netherite_axe: [10, 1.0], diamond_axe: [9, 1.0], iron_axe: [9, 0.9], stone_axe: [9, 0.8], golden_axe: [7, 1.0], wooden_axe: [7, 0.8] }

/** The best weapon in the inventory: any sword, else any axe, else the hand (null). */
function bestWeapon (bot) {
  const items = bot.inventory.items()
  for (const table of [SWORDS, AXES]) {
    const owned = items.filter(i => table[i.name]).sort((a, b) => table[b.name][0] - table[a.name][0])
    if (owned.length) return { item: owned[0], damage: table[owned[0].name][0], speed: table[owned[0].name][1] }
  }
  return { item: null, damage: 1, speed: 4 }
}

function eyeDistance (bot, entity) {
  const eye = bot.entity.position.offset(0, bot.entity.eyeHeight ?? 1.62, 0)
  return eye.distanceTo(entity.position.offset(0, (entity.height || 1) / 2, 0))
}

async function kill (ctx, target) {
  const { bot, signal } = ctx
  const candidates = Object.values(bot.entities)
    .filter(e => e.name === target && e !== bot.entity && e.position.distanceTo(bot.entity.position) <= MOB_SEARCH_RADIUS)
    .sort((a, b) => a.position.distanceTo(bot.entity.position) - b.position.distanceTo(bot.entity.position))
  if (candidates.length === 0) throw new SkillError('not_found', `no ${target} within ${MOB_SEARCH_RADIUS} blocks`)
  const mob = candidates[0]
  const weapon = bestWeapon(bot)
  if (weapon.item && bot.heldItem?.type !== weapon.item.type) await abortable(signal, bot.equip(weapon.item, 'hand'))
  const interval = Math.max(MIN_HIT_INTERVAL_MS, Math.ceil(1000 / weapon.speed) + 50)
  ctx.progress(`chasing a ${target} ${Math.round(mob.position.distanceTo(bot.entity.position))} blocks away with ${weapon.item ? weapon.item.name : 'bare hands'}`)

  let dead = false
  const onDead = e => { if (e.id === mob.id) dead = true }
  bot.on('entityDead', onDead)
  let hits = 0
  let lastHit = 0
  let lastProgress = Date.now()
  let deathPos = mob.position.clone()
  let followed = null
  try {
    while (!dead && present(bot, mob)) {
      throwIfAborted(signal)
      const current = bot.entities[mob.id] // mineflayer may replace the object when it re-spawns for the bot
      if (current !== followed) {
        followed = current
        bot.pathfinder.setGoal(new goals.GoalFollow(current, 1.5), true)
      }
      deathPos = current.position.clone()
      const now = Date.now()
      if (eyeDistance(bot, current) <= ATTACK_REACH && now - lastHit >= interval) {
        await abortable(signal, bot.lookAt(current.position.offset(0, (current.height || 1) * 0.6, 0), true))
        if (dead || !present(bot, mob)) break
        bot.attack(current)
        hits++
        lastHit = Date.now()
        lastProgress = lastHit
      } else if (now - lastProgress > GIVE_UP_WITHOUT_HIT_MS) {
        throw new SkillError('unreachable', `could not get within reach of the ${target} in ${GIVE_UP_WITHOUT_HIT_MS / 1000} s`)
      }
      await sleep(signal, 50)
    }
  } finally {
    bot.removeListener('entityDead', onDead)
    try { bot.pathfinder.setGoal(null) } catch {}
  }
  if (!dead && present(bot, mob)) throw new SkillError('failed', `the ${target} is still alive`)
  ctx.progress(`the ${target} died after ${hits} hit${hits === 1 ? '' : 's'}`)
  const before = inventoryCounts(bot)
  // the loot appears when the death animation ends (about a second)
  const waitStart = Date.now()
  while (present(bot, mob) && Date.now() - waitStart < 3000) await sleep(signal, 50)
  await pickUpNear(ctx, deathPos, { radius: LOOT_RADIUS, settleMs: 600 })
  const after = inventoryCounts(bot)
  const loot = {}
  for (const [name, n] of Object.entries(after)) if (n > (before[name] || 0)) loot[name] = n - (before[name] || 0)
  return { killed: target, hits, weapon: weapon.item ? weapon.item.name : 'hand', loot, position: [Math.floor(deathPos.x), Math.floor(deathPos.y), Math.floor(deathPos.z)] }
}

module.exports = {
  verb: 'kill',
  target: 'mob',
  description: target => `find the nearest ${target}, chase it, attack it with the best weapon until it dies and pick up its drops`,
  args: {},
  validTarget: (target, registry) => KILLABLE.has(target) && Object.hasOwn(registry.entitiesByName, target),
  deadlineMs: 180000, // a chase of a mob up to 48 blocks away, then its loot
  run: (ctx, target) => kill(ctx, target)
}
