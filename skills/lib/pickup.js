'use strict'
// Picking up dropped items: finding item entities near a spot and walking onto them until they are gone.
const { SkillError } = require('./errors')
const { sleep } = require('./cancel')
const { goals, goto } = require('./pathing')

const DROP_RADIUS = 6 // how far from a broken block (a dead mob) its drops are looked for

/**
 * The item name a dropped item entity carries, or null while it is not known: mineflayer's getDroppedItem()
 * throws ("reading 'present'") on an item entity whose metadata has not arrived yet (seen in mine:iron_ore).
 */
function droppedName (entity) {
  try {
    return entity.getDroppedItem?.()?.name ?? null
  } catch {
    return null
  }
}

/** Dropped item entities (optionally of some names) near `center`, nearest to the bot first. */
function itemEntities (bot, center, radius, names) {
  const out = []
  for (const e of Object.values(bot.entities)) {
    if (e.name !== 'item' || !e.position || e.position.distanceTo(center) > radius) continue
    const name = droppedName(e)
    if (names && !names.includes(name)) continue // not known yet: seen again on the next look
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
    ctx.log(`item ${droppedName(target)} at ${p.x.toFixed(1)} ${p.y.toFixed(1)} ${p.z.toFixed(1)}, bot at ${bot.entity.position.x.toFixed(1)} ${bot.entity.position.y.toFixed(1)} ${bot.entity.position.z.toFixed(1)}`)
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

module.exports = { itemEntities, droppedName, present, pickUpNear }
