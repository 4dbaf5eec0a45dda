'use strict'
// Furnaces: a state per furnace block that lives on while nobody looks (vanilla's block entity), ticked 20
// times a second, and the minecraft:furnace window onto it.
//
// The tick follows vanilla's AbstractFurnaceBlockEntity.serverTick: a furnace that has an input it can smelt
// and room for the result burns one fuel item when the last one is spent; each item cooks for COOK_TICKS
// (200) lit ticks; unlit, progress falls back 2 per tick. Smelting XP is kept in the furnace and given to the
// player who takes the output (the fraction as a chance), or to whoever breaks the furnace.
// Window properties, as mineflayer's furnace.js reads them: 0 fuel ticks left, 1 ticks the current fuel
// burns in total, 2 cook progress, 3 cook ticks per item.

const { Vec3 } = require('vec3')
const smelting = require('../vanilla/smelting')
const { createMenu } = require('./menu')

function createFurnaces ({ serv, tools, engine, random, log }) {
  const states = new Map()
  let Block = null

  function keyOf (pos) {
    return `${pos.x},${pos.y},${pos.z}`
  }

  function stateAt (world, pos) {
    const key = keyOf(pos)
    let s = states.get(key)
    if (!s) {
      s = {
        key,
        world,
        pos: new Vec3(pos.x, pos.y, pos.z),
        items: [null, null, null], // input, fuel, output
        litTime: 0,
        litDuration: 0,
        cookTime: 0,
        cookTotal: 0, // set when an input arrives, so the client hears it while the window is open
        xp: 0,
        viewers: new Set()
      }
      states.set(key, s)
    }
    return s
  }

  function recipeFor (item) {
    return item ? smelting.smeltingResult(item.name) : null
  }

  function canBurn (s, recipe) {
    if (!s.items[0] || !recipe) return false
    const out = s.items[2]
    if (!out) return true
    return out.name === recipe.result && out.count + 1 <= tools.maxStack(out)
  }

  /** One game tick of one furnace; true when something a viewer sees changed. */
  function tickOne (s) {
    const wasLit = s.litTime > 0
    let changed = false
    if (s.litTime > 0) s.litTime--
    const input = s.items[0]
    const fuel = s.items[1]
    if (s.litTime > 0 || (fuel && input)) {
      const recipe = recipeFor(input)
      const can = canBurn(s, recipe)
      if (s.litTime <= 0 && can) {
        s.litTime = smelting.fuelTicks(fuel.name)
        s.litDuration = s.litTime
        if (s.litTime > 0) {
          changed = true
          burnFuelItem(s)
        }
      }
      if (s.litTime > 0 && can) {
        if (s.cookTotal === 0) s.cookTotal = smelting.COOK_TICKS
        s.cookTime++
        if (s.cookTime >= s.cookTotal) {
          s.cookTime = 0
          s.cookTotal = smelting.COOK_TICKS
          smeltOne(s, recipe)
          changed = true
        }
      } else {
        s.cookTime = 0
      }
    } else if (s.cookTime > 0) {
      s.cookTime = Math.max(0, Math.min(s.cookTime - 2, s.cookTotal))
    }
    if (wasLit !== s.litTime > 0) {
      changed = true
      setLitBlock(s, s.litTime > 0)
    }
    return changed || wasLit || s.cookTime > 0
  }

  function burnFuelItem (s) {
    const fuel = s.items[1]
    fuel.count -= 1
    if (fuel.count > 0) return
    const remainder = smelting.remainderOf(fuel.name)
    s.items[1] = remainder ? tools.make(remainder, 1) : null
  }

  function smeltOne (s, recipe) {
    const out = s.items[2]
    if (out) out.count += 1
    else s.items[2] = tools.make(recipe.result, 1)
    const input = s.items[0]
    input.count -= 1
    if (input.count <= 0) s.items[0] = null
    s.xp += recipe.xp
  }

  // The block shows whether the furnace burns (lit=true), as vanilla's.
  function setLitBlock (s, lit) {
    (async () => {
      const block = await s.world.getBlock(s.pos)
      if (!block || block.name !== 'furnace') return
      Block = Block || require('prismarine-block')(serv.registry)
      const props = { ...block.getProperties(), lit }
      const next = Block.fromProperties('furnace', props, block.biome?.id ?? 0)
      if (next.stateId !== block.stateId) await serv.setBlock(s.world, s.pos, next.stateId)
    })().catch(err => log.warn(`furnace at ${s.key}: could not update its lit state: ${err.message}`))
  }

  function tick () {
    for (const s of states.values()) {
      if (!isActive(s)) continue
      if (tickOne(s)) for (const session of s.viewers) session.scheduleFlush()
    }
  }

  function isActive (s) {
    return s.litTime > 0 || s.cookTime > 0 || (s.items[0] && s.items[1])
  }

  /** Give the furnace's stored smelting XP to `player` (vanilla rounds the fraction by chance). */
  function awardXp (s, player) {
    if (s.xp <= 0) return
    if (typeof player?.giveXp !== 'function') {
      log.error('furnace XP: player.giveXp is missing (experience plugin not loaded); the XP stays in the furnace')
      return
    }
    let points = Math.floor(s.xp)
    const fraction = s.xp - points
    if (fraction > 1e-9 && random.next() < fraction) points++
    s.xp = 0
    if (points > 0) player.giveXp(points)
  }

  /** The furnace block at `pos` is gone: its items drop, its XP goes to `player` if any, viewers' windows close. */
  function destroyed (pos, player) {
    const s = states.get(keyOf(pos))
    if (!s) return
    states.delete(s.key)
    for (const session of [...s.viewers]) session.closeContainer({ byServer: true })
    for (let i = 0; i < 3; i++) {
      const item = s.items[i]
      s.items[i] = null
      if (!item) continue
      if (typeof serv.dropItem === 'function') serv.dropItem(s.world, s.pos.offset(0.5, 0.5, 0.5), item)
      else log.error(`furnace at ${s.key} broken: serv.dropItem is missing, ${item.count} ${item.name} lost`)
    }
    if (player) awardXp(s, player)
  }

  // Forget furnaces whose block was replaced without the digging plugin seeing it (their items drop).
  async function sweep () {
    for (const s of [...states.values()]) {
      const block = s.world.sync?.getBlock?.(s.pos)
      if (block && block.name !== 'furnace') destroyed(s.pos, null)
    }
  }

  /** The window onto the furnace at `pos` for one player's session. */
  function menuFor ({ id, typeId, s, invSlots, player }) {
    const storage = (i, options) => engine.storageSlot(() => s.items[i], (item) => setItem(i, item), options)
    const setItem = (i, item) => {
      const before = s.items[i]
      s.items[i] = item && item.count > 0 ? item : null
      if (i === 0 && (!s.items[0] || !before || before.type !== s.items[0].type)) {
        s.cookTime = 0 // a different input starts over, as vanilla's setItem
        s.cookTotal = s.items[0] ? smelting.COOK_TICKS : 0
      }
      for (const session of s.viewers) session.scheduleFlush()
    }
    const isFuel = (item) => smelting.fuelTicks(item.name) > 0
    const slots = [
      storage(0),
      storage(1, { mayPlace: (item) => isFuel(item) || item.name === 'bucket' }),
      storage(2, { mayPlace: () => false, onTake: () => awardXp(s, player) }),
      ...invSlots.slice(9, 45)
    ]
    const menu = createMenu({
      id,
      type: 'minecraft:furnace',
      typeId,
      title: 'container.furnace',
      slots,
      invStart: 3,
      position: s.pos,
      world: s.world,
      blockName: 'furnace',
      furnace: s,
      quickMove: (index, c) => {
        if (index === 2) return engine.quickMoveBy(menu, 2, [[3, 39, true]], c)
        if (index === 0 || index === 1) return engine.quickMoveBy(menu, index, [[3, 39, false]], c)
        const item = slots[index].get()
        if (item && recipeFor(item)) return engine.quickMoveBy(menu, index, [[0, 1, false]], c)
        if (item && isFuel(item)) return engine.quickMoveBy(menu, index, [[1, 2, false]], c)
        return engine.quickMoveBy(menu, index, [index < 30 ? [30, 39, false] : [3, 30, false]], c)
      },
      properties: () => [s.litTime, s.litDuration, s.cookTime, s.cookTotal],
      propertyOrder: [1, 0, 3, 2], // totals first: mineflayer divides by them
      onOpen: (session) => s.viewers.add(session),
      onClose: (c, session) => s.viewers.delete(session)
    })
    return menu
  }

  return { stateAt, tick, tickOne, menuFor, destroyed, sweep, awardXp, states }
}

module.exports = { createFurnaces }
