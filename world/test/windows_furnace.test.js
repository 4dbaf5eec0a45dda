'use strict'
// Furnaces: the tick rules on their own, then a real mineflayer bot smelting raw iron with coal at the
// vanilla speed (200 ticks an item; two items so that 2 x 0.7 XP always gives at least one point).
const test = require('node:test')
const assert = require('node:assert/strict')
const { Vec3 } = require('vec3')
const { minecraft: VERSION } = require('../vanilla/versions.json')
const registry = require('prismarine-registry')(VERSION)
const { createItemTools } = require('../windows/items')
const { createClickEngine } = require('../windows/click_engine')
const { createFurnaces } = require('../windows/furnace_window')
const h = require('./windows_helpers')

function offlineFurnace () {
  const tools = createItemTools(registry)
  const world = { getBlock: async () => null }
  const log = { info () {}, warn () {}, error () {} }
  const furnaces = createFurnaces({ serv: { registry }, tools, engine: createClickEngine(tools), random: { next: () => 0.5 }, log })
  const s = furnaces.stateAt(world, new Vec3(0, 0, 0))
  const run = (ticks) => { for (let i = 0; i < ticks; i++) furnaces.tickOne(s) }
  return { tools, s, run, furnaces }
}

test('a furnace cooks one item per 200 lit ticks and burns coal for 1600 ticks', () => {
  const { tools, s, run } = offlineFurnace()
  s.items[0] = tools.make('raw_iron', 3)
  s.items[1] = tools.make('coal', 1)
  run(199)
  assert.equal(s.items[2], null)
  assert.equal(s.items[1], null, 'the coal was taken at the first tick')
  assert.equal(s.litDuration, 1600)
  run(1)
  assert.equal(s.items[2].name, 'iron_ingot')
  assert.equal(s.items[2].count, 1)
  run(400)
  assert.equal(s.items[2].count, 3)
  assert.equal(s.items[0], null)
  assert.ok(Math.abs(s.xp - 2.1) < 1e-9)
  assert.equal(s.litTime, 1600 - 599, 'lit on the first tick, one less each tick after')
})

test('without fuel, cooking stops and the progress falls back two ticks per tick', () => {
  const { tools, s, run } = offlineFurnace()
  s.items[0] = tools.make('cobblestone', 2)
  s.items[1] = tools.make('stick', 1) // 100 ticks
  run(100)
  assert.equal(s.litTime, 1)
  assert.equal(s.cookTime, 100)
  run(1)
  assert.equal(s.litTime, 0)
  assert.equal(s.cookTime, 98)
  run(10)
  assert.equal(s.cookTime, 78)
  assert.equal(s.items[2], null)
})

test('lava burns for 20000 ticks and leaves its bucket; a full output stops the furnace', () => {
  const { tools, s, run } = offlineFurnace()
  s.items[0] = tools.make('sand', 5)
  s.items[1] = tools.make('lava_bucket', 1)
  s.items[2] = tools.make('glass', 63)
  run(200)
  assert.equal(s.items[1].name, 'bucket')
  assert.equal(s.items[2].count, 64)
  run(400)
  assert.equal(s.items[2].count, 64)
  assert.equal(s.items[0].count, 4)
})

test('things that do not smelt or burn do nothing', () => {
  const { tools, s, run } = offlineFurnace()
  s.items[0] = tools.make('diamond', 1)
  s.items[1] = tools.make('coal', 1)
  run(300)
  assert.equal(s.items[1].count, 1, 'no fuel burnt for an input that does not smelt')
  assert.equal(s.items[2], null)
})

test('a broken furnace drops its items and gives its XP to the breaker', () => {
  const tools = createItemTools(registry)
  const drops = []
  const serv = { registry, dropItem: (world, pos, item) => drops.push(`${item.name}x${item.count}`) }
  const log = { info () {}, warn () {}, error () {} }
  const furnaces = createFurnaces({ serv, tools, engine: createClickEngine(tools), random: { next: () => 0.99 }, log })
  const pos = new Vec3(1, 2, 3)
  const s = furnaces.stateAt({ getBlock: async () => null }, pos)
  s.items = [tools.make('raw_gold', 2), tools.make('coal', 4), tools.make('gold_ingot', 3)]
  s.xp = 3
  let xp = 0
  furnaces.destroyed(pos, { giveXp: (n) => { xp += n } })
  assert.deepEqual(drops, ['raw_goldx2', 'coalx4', 'gold_ingotx3'])
  assert.equal(xp, 3)
  assert.equal(furnaces.states.size, 0)
})

test('a bot smelts raw iron with coal, takes the ingots and gets the XP', async () => h.withWindowsBot('smelter', async ({ serv, bot, player }) => {
  const block = await h.placeBlockNear(serv, player, bot, 'furnace')
  h.give(serv, player, 36, 'raw_iron', 2)
  h.give(serv, player, 37, 'coal', 3)
  await h.waitFor(() => bot.inventory.slots[37]?.count === 3, 10000, 'fixture')
  const furnace = await h.withTimeout(bot.openFurnace(block), 10000, 'open furnace')
  assert.equal(furnace.type, 'minecraft:furnace')
  await furnace.putFuel(bot.registry.itemsByName.coal.id, null, 1)
  await furnace.putInput(bot.registry.itemsByName.raw_iron.id, null, 2)
  const started = Date.now()
  await h.waitFor(() => furnace.progress > 0, 5000, 'cook progress')
  assert.equal(furnace.totalProgress, 200)
  assert.equal(furnace.totalFuel, 1600)
  await h.waitFor(() => furnace.outputItem()?.count === 1, 15000, 'the first ingot')
  const first = Date.now() - started
  assert.ok(first > 8000, `one item takes 200 ticks (10 s), took ${first} ms`)
  await h.waitFor(() => furnace.outputItem()?.count === 2, 15000, 'the second ingot')
  assert.equal(player.xp, 0, 'XP waits in the furnace')
  await furnace.takeOutput()
  furnace.close()
  await h.waitFor(() => player.windows.container === null, 5000, 'close')
  await h.waitFor(() => h.inventoryDiff(player, bot).length === 0, 5000, 'client and server agree')
  assert.deepEqual(h.serverCounts(player), { iron_ingot: 2, coal: 2 })
  assert.ok(player.xp >= 1 && player.xp <= 2, `2 x 0.7 XP gives 1 or 2 points, got ${player.xp}`)
  await h.waitFor(() => bot.experience.points === player.xp, 5000, 'the client sees its XP')
  // the furnace keeps its state while closed: the fuel is still burning
  const s = serv.windows.furnaces.stateAt(player.world, block.position)
  assert.ok(s.litTime > 0 && s.items[0] === null && s.items[2] === null)
}, { exitAfter: true }))
