'use strict'
// Server-authoritative windows for the embedded world (stock flying-squid applies no clicks on 1.21.4 and
// opens no crafting table, furnace or enchanting table):
//  - every inventory click mode, computed by the server (windows/click_engine.js), the client resynced
//    where its prediction was wrong (windows/session.js);
//  - crafting in the 2x2 inventory grid and at crafting tables, with every minecraft-data recipe
//    (windows/recipes.js, windows/crafting.js);
//  - furnaces with vanilla smelting, fuel, cook and burn times, ticking while closed
//    (windows/furnace_window.js, vanilla/smelting.js);
//  - enchanting tables with lapis, XP levels, bookshelves and vanilla offers
//    (windows/enchanting_window.js, vanilla/enchanting.js).
// Exposes serv.windows (see below) and player.windows (the player's WindowSession).
const { createItemTools } = require('../windows/items')
const { createClickEngine } = require('../windows/click_engine')
const { createRecipeBook } = require('../windows/recipes')
const { createFurnaces } = require('../windows/furnace_window')
const { countBookshelves } = require('../windows/enchanting_window')
const { WindowSession } = require('../windows/session')
const { createRandom } = require('../util/random')

const VALIDITY_CHECK_TICKS = 10 // how often open containers check their block and distance
const FURNACE_SWEEP_TICKS = 200 // how often furnaces whose block vanished are cleared

module.exports.server = function (serv, settings) {
  const registry = serv.registry
  const tools = createItemTools(registry)
  const engine = createClickEngine(tools)
  const book = createRecipeBook(registry)
  const seed = Number(settings.generation?.options?.seed ?? 0)
  const random = createRandom(seed ^ 0x77696e64)
  const log = makeLog(serv)
  const furnaces = createFurnaces({ serv, tools, engine, random, log })
  const windows = require('prismarine-windows')(registry).windows
  const menuTypes = Object.fromEntries(Object.entries(windows).filter(([, w]) => w).map(([name, w]) => [name, w.type]))
  const newSeed = () => Math.floor(random.next() * 4294967296) | 0

  serv.windows = {
    tools,
    engine,
    book,
    furnaces,
    menuTypes,
    log,
    random,
    newSeed,
    sessions: new Set()
  }

  serv.on('tick', (delta, tickCount) => {
    try {
      furnaces.tick()
      if (tickCount % VALIDITY_CHECK_TICKS === 0) for (const s of serv.windows.sessions) s.checkStillValid()
      if (tickCount % FURNACE_SWEEP_TICKS === 0) furnaces.sweep().catch(err => log.error(`furnace sweep: ${err.stack || err}`))
    } catch (err) {
      log.error(`windows tick: ${err.stack || err}`)
    }
  })

  // The digging plugin reports broken blocks: a furnace's items drop and its XP goes to the breaker.
  serv.on('blockBroken', ({ player, block, position }) => {
    if (block?.name === 'furnace' && position) furnaces.destroyed(position, player)
  })

  serv.on('playerDeath', ({ player }) => {
    player?.windows?.onDeath({ keepInventory: serv.assists?.has?.('keepInventory') })
  })

  // Right click on the block opens its window; returning true tells flying-squid not to place the held
  // block against it. Sneaking with an item in hand places instead, as vanilla.
  const opener = (open) => async ({ block, player }) => {
    try {
      if (!player.windows) return false
      if (player.crouching && player.inventory.slots[36 + player.heldItemSlot]) return false
      const pos = block.position
      const eyes = player.position.offset(0, 1.62, 0)
      if (eyes.distanceTo(pos.offset(0.5, 0.5, 0.5)) > 8) return true
      await open(player.windows, pos, player)
    } catch (err) {
      log.error(`windows: opening ${block?.name} for ${player?.username}: ${err.stack || err}`)
    }
    return true
  }
  // flying-squid defines onBlockInteraction in a built-in plugin that loads after the project's plugins.
  serv.once('asap', () => {
    serv.onBlockInteraction('crafting_table', opener((session, pos) => session.openCraftingTable(pos)))
    serv.onBlockInteraction('furnace', opener((session, pos) => session.openFurnace(pos)))
    serv.onBlockInteraction('enchanting_table', opener(async (session, pos, player) => {
      const shelves = await countBookshelves(player.world, pos)
      session.openEnchantingTable(pos, shelves)
    }))
  })
}

module.exports.player = function (player, serv) {
  // flying-squid's inventory plugin creates player.inventory and its packet handlers after this runs.
  setImmediate(() => {
    try {
      const shared = serv.windows
      player.enchantmentSeed = shared.newSeed()
      const session = new WindowSession({ player, serv, shared })
      session.attach()
      player.windows = session
      shared.sessions.add(session)
      player._client.once('end', () => shared.sessions.delete(session))
    } catch (err) {
      serv.windows?.log.error(`windows: could not attach to ${player.username}: ${err.stack || err}`)
    }
  })
}

function makeLog (serv) {
  const write = (level, fallback) => (message) => {
    if (typeof serv[level] === 'function') serv[level](message)
    else fallback(message)
  }
  return {
    info: write('info', (m) => console.log(m)),
    warn: write('warn', (m) => console.warn(m)),
    error: write('err', (m) => console.error(m))
  }
}
