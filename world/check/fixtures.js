'use strict'
// Server-side test fixtures for check-world. A fixture sets up a check's preconditions directly in the
// server (a block next to the bot, a tool in its hand, XP levels) the way a test harness would; the mechanic
// itself is then exercised only through the bot's standard mineflayer API. Nothing here is an assist: the
// bot never calls these, the checker does.
const { Vec3 } = require('vec3')
const { waitFor, sleep } = require('./util')
const { pointsAtLevel } = require('../plugins/experience')

const ARENA_Y = 200 // arenas float in the sky, far above generated terrain, so checks never touch the world
const ARENA_RADIUS = 5 // floor from -5..5; glass walls on the rim keep dropped items inside
const ARENA_SPACING = 14 // an arena with its rim is 13 blocks wide
const ARENA_GRID = 5 // 25 arenas within 28 blocks of spawn (chunks the server already sent); reused in turn

function createFixtures (serv) {
  const registry = serv.registry
  const Item = require('prismarine-item')(registry)
  const Block = require('prismarine-block')(registry)
  let arenaCount = 0
  let origin = null // the spawn column the arenas are laid around

  const world = () => serv.overworld

  function playerOf (bot) {
    const player = serv.players.find(p => p.username === bot.username)
    if (!player) throw new Error(`server has no player named ${bot.username}`)
    return player
  }

  function stateOf (name, properties) {
    const block = registry.blocksByName[name]
    if (!block) throw new Error(`unknown block ${name}`)
    if (!properties) return block.defaultState
    return Block.fromProperties(name, properties, 0).stateId
  }

  async function setBlock (pos, name, properties) {
    await serv.setBlock(world(), pos, stateOf(name, properties))
  }

  async function blockName (pos) {
    const block = await world().getBlock(pos)
    return block ? block.name : null
  }

  /** A prismarine-item Item; `damage` is durability already used (1.21 'damage' component). */
  function makeItem (name, count = 1, { damage } = {}) {
    const def = registry.itemsByName[name]
    if (!def) throw new Error(`unknown item ${name}`)
    const item = new Item(def.id, count)
    if (damage) {
      const component = { type: 'damage', data: damage }
      item.components = [...(item.components || []).filter(c => c.type !== 'damage'), component]
      if (!item.componentMap) item.componentMap = new Map()
      item.componentMap.set('damage', component)
    }
    return item
  }

  function give (bot, slot, name, count = 1, opts) {
    playerOf(bot).inventory.updateSlot(slot, makeItem(name, count, opts))
  }

  function clearInventory (bot) {
    const inv = playerOf(bot).inventory
    // Every slot is set, empty or not, so that a client whose view drifted in an earlier check starts clean.
    for (let slot = 0; slot < inv.slots.length; slot++) inv.updateSlot(slot, null)
  }

  /**
   * Close the inventory screen the way a vanilla client does (close_window 0, cursor cleared on the client):
   * the server puts the cursor and the 2x2 grid back into the inventory, where clearInventory finds them.
   */
  async function closeInventoryScreen (bot) {
    if (!bot._client || bot._client.ended) return
    bot._client.write('close_window', { windowId: 0 })
    bot.inventory.selectedItem = null
    await sleep(100)
  }

  function setXpLevel (bot, level) {
    const player = playerOf(bot)
    if (typeof player.setXpLevel === 'function') player.setXpLevel(level)
    else player.setXp(pointsAtLevel(level))
  }

  /** Items lying on the ground within `radius` of `center`, as the server knows them. */
  function groundItems (center, radius = ARENA_RADIUS + 2) {
    const items = []
    for (const entity of Object.values(serv.entities)) {
      if (!entity || entity.type === 'player' || !entity.position) continue
      const item = groundItemOf(entity)
      if (!item) continue
      if (entity.position.distanceTo(center) > radius) continue
      items.push({ entity, name: item.name, count: item.count })
    }
    return items
  }

  function groundItemOf (entity) {
    if (entity.item && entity.item.name) return { name: entity.item.name, count: entity.item.count }
    if (entity.name === 'item' && entity.itemId !== undefined) {
      const def = registry.items[entity.itemId]
      return { name: def ? def.name : `#${entity.itemId}`, count: entity.itemCount ?? 1 }
    }
    return null
  }

  function removeGroundItems (center, radius) {
    for (const { entity } of groundItems(center, radius)) {
      try { entity.destroy ? entity.destroy() : serv.destroyEntity(entity) } catch {}
    }
  }

  /**
   * A fresh sky platform for one check: a stone floor, glass rim walls, air above; the bot is teleported to
   * its centre and its inventory, XP and health are reset. Returns {center, floorY, at(dx,dy,dz)}, where
   * at(dx, 1, dz) is a block at the bot's feet level.
   */
  async function arena (bot, { floor = 'stone' } = {}) {
    if (!origin) origin = playerOf(bot).spawnPoint?.floored?.() || bot.entity.position.floored()
    const i = arenaCount++
    const gx = (i % ARENA_GRID) - Math.floor(ARENA_GRID / 2)
    const gz = Math.floor(i / ARENA_GRID) % ARENA_GRID - Math.floor(ARENA_GRID / 2) // wraps: rebuilt from scratch
    const center = new Vec3(origin.x + gx * ARENA_SPACING, ARENA_Y, origin.z + gz * ARENA_SPACING)
    const at = (dx, dy, dz) => center.offset(dx, dy, dz)
    const R = ARENA_RADIUS
    for (let dx = -R - 1; dx <= R + 1; dx++) {
      for (let dz = -R - 1; dz <= R + 1; dz++) {
        const rim = Math.abs(dx) === R + 1 || Math.abs(dz) === R + 1
        await setBlock(at(dx, -1, dz), 'stone')
        await setBlock(at(dx, 0, dz), floor)
        for (let dy = 1; dy <= 4; dy++) {
          const want = rim && dy <= 3 ? 'glass' : 'air'
          if ((await blockName(at(dx, dy, dz))) !== want) await setBlock(at(dx, dy, dz), want)
        }
      }
    }
    removeGroundItems(center, R + 4)
    await resetPlayer(bot)
    await teleport(bot, at(0.5, 1, 0.5))
    return { center, floorY: ARENA_Y, at }
  }

  async function resetPlayer (bot) {
    const player = playerOf(bot)
    await closeInventoryScreen(bot)
    clearInventory(bot)
    if (player.gameMode !== 0) player.gameMode = 0
    setXpLevel(bot, 0)
    if (typeof player.updateHealth === 'function' && player.health < 20) player.updateHealth(20)
    await waitFor(() => bot.inventory.slots.every(s => !s) && !bot.inventory.selectedItem, 3000, 'the bot to see its inventory cleared')
      .catch(() => {}) // a broken inventory sync is reported by the checks that depend on it
  }

  /** Move the bot (server-side) and wait until the client stands there with the chunk loaded. */
  async function teleport (bot, pos) {
    const player = playerOf(bot)
    await player.teleport(pos)
    await waitFor(() => bot.entity && bot.entity.position.distanceTo(pos) < 0.6 && bot.blockAt(pos.offset(0, -1, 0)) !== null,
      15000, `the bot to arrive at ${pos}`)
    await waitFor(() => bot.entity.onGround, 3000, 'the bot to stand on the floor').catch(() => {})
    await sleep(150)
  }

  /** Place a block and wait until the bot sees it. */
  async function place (bot, pos, name, properties) {
    await setBlock(pos, name, properties)
    await waitFor(() => bot.blockAt(pos)?.name === name, 3000, `the bot to see ${name} at ${pos}`)
    return bot.blockAt(pos)
  }

  return {
    serv, registry, Item, world, playerOf, stateOf, setBlock, blockName, makeItem, give, clearInventory,
    setXpLevel, groundItems, removeGroundItems, arena, resetPlayer, teleport, place, closeInventoryScreen
  }
}

// The total XP at the start of levels 0..10 as the Minecraft Wiki lists them: the checks' oracle for the
// server's curve (written as numbers, not as the formula the plugin implements).
const VANILLA_LEVEL_STARTS = [0, 7, 16, 27, 40, 55, 72, 91, 112, 135, 160]

function levelForPoints (points) {
  if (points >= VANILLA_LEVEL_STARTS.at(-1)) throw new Error(`levelForPoints knows levels up to 10, not ${points} points`)
  return VANILLA_LEVEL_STARTS.filter(start => points >= start).length - 1
}

module.exports = { createFixtures, levelForPoints, ARENA_Y, ARENA_RADIUS }
