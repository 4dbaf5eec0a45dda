'use strict'
// Block rules, item entities, XP and survival hardening, through a real mineflayer bot.
const test = require('node:test')
const assert = require('node:assert/strict')
const { startWorld, connectBot, serverPlayer, giveFixture, setBlockFixture, waitFor, countItems, stopWorld } = require('./helpers')
const { rollBlockDrops } = require('../vanilla/block_loot')
const { createRandom } = require('../util/random')
const { levelForPoints, pointsAtLevel } = require('../plugins/experience')
const { minecraft: VERSION } = require('../vanilla/versions.json')

test('survival rules through the protocol', { timeout: 120000 }, async (t) => {
  const world = await startWorld({ seed: 11 })
  const { serv } = world
  const bot = await connectBot(world.port)
  const player = serverPlayer(serv, bot)
  // A stone platform under and around the bot, as a stage for each dig.
  const feet = bot.entity.position.floored()
  const spot = feet.offset(2, 0, 0)
  async function stage (blockName) {
    await setBlockFixture(serv, spot, blockName)
    await waitFor(() => bot.blockAt(spot)?.name === blockName, 3000, `${blockName} to appear`)
    return bot.blockAt(spot)
  }
  async function dropsAround () {
    await bot.waitForTicks(10)
    return Object.values(bot.entities).filter(e => e.name === 'item' && e.position.distanceTo(spot) < 3).map(e => e.getDroppedItem())
  }
  function clearDrops () { for (const e of Object.values(serv.entities)) if (e.item) e.destroy() }

  await t.test('stone by hand takes vanilla time and drops nothing', async () => {
    const start = Date.now()
    await bot.dig(await stage('stone'))
    const ms = Date.now() - start
    assert.ok(ms >= 7000, `hand-digging stone took ${ms} ms, vanilla 7.5 s`)
    // bot.dig resolves when the finish packet is sent; the server breaks the block when it reads it.
    await waitFor(async () => (await serv.overworld.getBlock(spot)).name === 'air', 2000, 'the server to break the block')
    assert.deepEqual(await dropsAround(), [])
  })

  await t.test('a finish packet sent too early is refused and the block stays', async () => {
    await stage('stone')
    bot._client.write('block_dig', { status: 0, location: spot, face: 1, sequence: 900 })
    bot._client.write('block_dig', { status: 2, location: spot, face: 1, sequence: 901 })
    await bot.waitForTicks(10)
    assert.equal((await serv.overworld.getBlock(spot)).name, 'stone')
    assert.equal(bot.blockAt(spot).name, 'stone')
  })

  await t.test('wooden pickaxe mines stone into a cobblestone item entity and wears by one', async () => {
    await giveFixture(serv, bot, 'wooden_pickaxe')
    await bot.equip(bot.inventory.slots[36], 'hand')
    const start = Date.now()
    await bot.dig(await stage('stone'))
    assert.ok(Date.now() - start < 3000)
    const drops = await dropsAround()
    assert.deepEqual(drops.map(d => [d.name, d.count]), [['cobblestone', 1]])
    await waitFor(() => bot.inventory.slots[36]?.durabilityUsed === 1, 2000, 'client to see the wear')
    assert.equal(player.inventory.slots[36].durabilityUsed, 1)
    clearDrops()
  })

  await t.test('iron ore needs a stone pickaxe; diamond ore needs iron and gives XP', async () => {
    await bot.dig(await stage('iron_ore')) // still the wooden pickaxe
    assert.deepEqual(await dropsAround(), [])
    await giveFixture(serv, bot, 'stone_pickaxe', 1, 1)
    await bot.equip(bot.inventory.slots[37], 'hand')
    await bot.dig(await stage('iron_ore'))
    assert.deepEqual((await dropsAround()).map(d => d.name), ['raw_iron'])
    clearDrops()
    await bot.dig(await stage('diamond_ore'))
    assert.deepEqual(await dropsAround(), [], 'a stone pickaxe must not harvest diamond ore')
    await giveFixture(serv, bot, 'iron_pickaxe', 1, 2)
    await bot.equip(bot.inventory.slots[38], 'hand')
    await bot.dig(await stage('diamond_ore'))
    assert.deepEqual((await dropsAround()).map(d => d.name), ['diamond'])
    await waitFor(() => bot.experience.points >= 3, 2000, 'XP from diamond ore')
    assert.ok(bot.experience.points <= 7)
    assert.equal(player.xp, bot.experience.points)
    clearDrops()
  })

  await t.test('obsidian needs a diamond pickaxe', async () => {
    const block = await stage('obsidian')
    // An iron pickaxe cannot harvest obsidian: vanilla digs it at the penalised speed, 834 ticks.
    assert.equal(bot.digTime(block), 834 * 50)
    await giveFixture(serv, bot, 'diamond_pickaxe', 1, 3)
    await bot.equip(bot.inventory.slots[39], 'hand')
    assert.equal(bot.digTime(bot.blockAt(spot)), 188 * 50, 'vanilla: 9.4 s with a diamond pickaxe')
    await bot.dig(bot.blockAt(spot))
    assert.deepEqual((await dropsAround()).map(d => d.name), ['obsidian'])
    clearDrops()
  })

  await t.test('efficiency on the held tool shortens the dig time the server accepts', async () => {
    const { setComponent } = require('../util/item_components')
    const pick = require('./helpers').makeItem(serv, 'diamond_pickaxe')
    const efficiency = serv.registry.enchantmentsByName.efficiency.id
    setComponent(pick, 'enchantments', { enchantments: [{ id: efficiency, level: 5 }], showTooltip: true })
    player.inventory.updateSlot(36 + 5, pick)
    await bot.setQuickBarSlot(5)
    await waitFor(() => player.heldItemSlot === 5, 2000, 'slot change')
    // Vanilla: stone with a diamond pickaxe takes 6 ticks, with Efficiency V 2 ticks. A finish after
    // 150 ms is accepted only if the server counts the enchantment.
    await stage('stone')
    bot._client.write('block_dig', { status: 0, location: spot, face: 1, sequence: 910 })
    await new Promise(resolve => setTimeout(resolve, 150))
    bot._client.write('block_dig', { status: 2, location: spot, face: 1, sequence: 911 })
    await waitFor(async () => (await serv.overworld.getBlock(spot)).name === 'air', 2000, 'the block to break')
    clearDrops()
  })

  await t.test('a dropped item is picked up whole when the bot walks over it', async () => {
    await giveFixture(serv, bot, 'dirt', 5, 4)
    const before = countItems(bot.inventory, 'dirt')
    await bot.tossStack(bot.inventory.slots[40])
    await waitFor(() => countItems(player.inventory, 'dirt') === 0, 2000, 'server to remove the stack')
    const dropped = Object.values(serv.entities).find(e => e.item?.name === 'dirt')
    assert.ok(dropped, 'the stack lies on the ground')
    assert.equal(dropped.item.count, before)
    // The toss throws it ahead; walk onto it.
    await waitFor(() => dropped.velocity.norm() === 0, 5000, 'item to land')
    bot.entity.position = dropped.position.clone()
    await waitFor(() => countItems(bot.inventory, 'dirt') === before, 5000, 'pickup')
    assert.equal(countItems(player.inventory, 'dirt'), before)
  })

  bot.quit()
  await stopWorld(world)
})

test('survival hardening: no creative packets, no op, assists only when enabled and recorded', { timeout: 60000 }, async (t) => {
  const world = await startWorld({ seed: 12 })
  const bot = await connectBot(world.port)
  const player = serverPlayer(world.serv, bot)
  assert.equal(player.op, false)
  const Item = require('prismarine-item')(bot.registry)
  bot._client.write('set_creative_slot', { slot: 36, item: Item.toNotch(new Item(bot.registry.itemsByName.diamond.id, 64)) })
  await bot.waitForTicks(10)
  assert.equal(countItems(player.inventory), 0, 'creative packet created items in survival')
  bot.chat('/give tester diamond 64')
  bot.chat('/op tester')
  await bot.waitForTicks(20)
  assert.equal(countItems(player.inventory), 0)
  assert.equal(player.op, false)
  assert.deepEqual(world.serv.assistLog, [])
  await stopWorld(world, bot)

  const assisted = await startWorld({ seed: 12, assists: ['give'] })
  const bot2 = await connectBot(assisted.port)
  bot2.chat('/give tester diamond 3')
  await waitFor(() => countItems(bot2.inventory, 'diamond') === 3, 5000, 'assisted give')
  assert.equal(assisted.serv.assistLog.length, 1)
  assert.equal(assisted.serv.assistLog[0].name, 'give')
  await stopWorld(assisted, bot2)
})

test('death drops the inventory unless keepInventory', { timeout: 60000 }, async () => {
  const world = await startWorld({ seed: 13 })
  const bot = await connectBot(world.port)
  await giveFixture(world.serv, bot, 'oak_log', 4)
  serverPlayer(world.serv, bot).updateHealth(0)
  await waitFor(() => countItems(serverPlayer(world.serv, bot).inventory) === 0, 2000, 'inventory to drop')
  assert.ok(Object.values(world.serv.entities).some(e => e.item?.name === 'oak_log' && e.item.count === 4))
  await stopWorld(world, bot)
})

test('loot rolls follow vanilla chances', () => {
  const registry = require('minecraft-data')(VERSION)
  const random = createRandom(5)
  const n = 20000
  let saplings = 0; let apples = 0; let leavesSelf = 0
  for (let i = 0; i < n; i++) {
    for (const d of rollBlockDrops({ blockName: 'oak_leaves', registry, random })) {
      if (d.name === 'oak_sapling') saplings++
      if (d.name === 'apple') apples++
      if (d.name === 'oak_leaves') leavesSelf++
    }
  }
  assert.ok(Math.abs(saplings / n - 0.05) < 0.01, `sapling rate ${saplings / n}`)
  assert.ok(apples / n < 0.01, `apple rate ${apples / n}`)
  assert.equal(leavesSelf, 0, 'leaves need shears')
  assert.deepEqual(rollBlockDrops({ blockName: 'stone', registry, random }), [{ name: 'cobblestone', count: 1 }])
  assert.deepEqual(rollBlockDrops({ blockName: 'stone', registry, random, silkTouch: true }), [{ name: 'stone', count: 1 }])
  const lapis = rollBlockDrops({ blockName: 'lapis_ore', registry, random })
  assert.equal(lapis[0].name, 'lapis_lazuli')
  assert.ok(lapis[0].count >= 4 && lapis[0].count <= 9)
  let flint = 0
  for (let i = 0; i < n; i++) if (rollBlockDrops({ blockName: 'gravel', registry, random })[0].name === 'flint') flint++
  assert.ok(Math.abs(flint / n - 0.1) < 0.015, `flint rate ${flint / n}`)
})

test('XP levels follow the vanilla curve', () => {
  assert.deepEqual(levelForPoints(0), { level: 0, progress: 0 })
  assert.equal(levelForPoints(7).level, 1)
  assert.equal(pointsAtLevel(16), 352)
  assert.equal(pointsAtLevel(31), 1507)
  assert.equal(levelForPoints(1507).level, 31)
  assert.equal(pointsAtLevel(30), 1395)
})

test('a changed chunk column survives unloading; an untouched one is unloaded', { timeout: 30000 }, async () => {
  const world = await startWorld({ seed: 14 })
  const { serv } = world
  const far = new (require('vec3').Vec3)(800, 70, 800)
  await setBlockFixture(serv, far, 'crafting_table')
  serv.overworld.unloadColumn(50, 50)
  assert.equal((await serv.overworld.getBlock(far)).name, 'crafting_table')
  await serv.overworld.getColumn(60, 60) // generated, never changed
  serv.overworld.unloadColumn(60, 60)
  assert.equal(serv.overworld.getLoadedColumn(60, 60), undefined)
  await stopWorld(world)
})
