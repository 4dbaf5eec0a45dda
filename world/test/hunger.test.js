'use strict'
// Hunger, natural regeneration, starvation and eating, through a real mineflayer bot on the flat stage.
// Fixtures set the food state server-side; movement, digging and eating go through the protocol.
const test = require('node:test')
const assert = require('node:assert/strict')
const { once } = require('events')
const { startWorld, connectBot, serverPlayer, giveFixture, waitFor, countItems, stopWorld } = require('./helpers')

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const near = (a, b, eps = 1e-4) => Math.abs(a - b) < eps

test('hunger and eating through the protocol', { timeout: 180000 }, async (t) => {
  const world = await startWorld({ seed: 21 })
  const { serv } = world
  const bot = await connectBot(world.port, 'eater')
  const player = serverPlayer(serv, bot)
  t.after(() => stopWorld(world, bot))

  /** Fixture: set the server-side state and wait until the client sees it. */
  async function setState ({ health = 20, food = 20, saturation = 5, exhaustion = 0 }) {
    player.hunger.exhaustion = exhaustion
    player.foodSaturation = saturation
    player.updateFood(food)
    player.updateHealth(health)
    await waitFor(() => bot.food === food && near(bot.foodSaturation, saturation) && near(bot.health, health), 3000, 'the client to see the fixture state')
  }

  async function hold (name, count, hotbar) {
    await giveFixture(serv, bot, name, count, hotbar)
    bot.setQuickBarSlot(hotbar)
    await waitFor(() => player.heldItemSlot === hotbar, 2000, 'the server to see the held slot')
  }

  function stopMoving () {
    bot.clearControlStates()
  }

  await t.test('a new player starts with food 20 and saturation 5', () => {
    assert.equal(bot.food, 20)
    assert.ok(near(bot.foodSaturation, 5), String(bot.foodSaturation))
    assert.equal(player.hunger.exhaustion, 0)
  })

  await t.test('walking costs nothing, sprinting 0.1 per metre', async () => {
    await setState({ saturation: 0 })
    bot.setControlState('forward', true)
    await sleep(1000)
    stopMoving()
    await bot.waitForTicks(5)
    assert.equal(player.hunger.exhaustion, 0, 'walking on the ground is free')

    const from = bot.entity.position.clone()
    bot.setControlState('forward', true)
    bot.setControlState('sprint', true)
    await sleep(1500)
    stopMoving()
    await bot.waitForTicks(5)
    const metres = Math.hypot(bot.entity.position.x - from.x, bot.entity.position.z - from.z)
    assert.ok(metres > 5, `sprinted ${metres} m`)
    const expected = 0.1 * metres
    assert.ok(Math.abs(player.hunger.exhaustion - expected) < 0.15 * expected, `exhaustion ${player.hunger.exhaustion} for ${metres} m`)
  })

  await t.test('sprint-jumping uses up exhaustion; each 4.0 takes a food point once saturation is 0', async () => {
    await setState({ saturation: 0, exhaustion: 3.5 })
    const start = Date.now()
    bot.setControlState('forward', true)
    bot.setControlState('sprint', true)
    bot.setControlState('jump', true)
    await waitFor(() => bot.food === 19, 10000, 'food to drop to 19')
    stopMoving()
    t.diagnostic(`food 20 -> 19 after ${Date.now() - start} ms of sprint-jumping`)
    assert.equal(player.food, 19)
    assert.equal(player.foodSaturation, 0)
    assert.ok(player.hunger.exhaustion < 4)
  })

  await t.test('with saturation left, exhaustion takes saturation first', async () => {
    await setState({ saturation: 2 })
    player.hunger.exhaustion = 4.05
    await waitFor(() => near(bot.foodSaturation, 1), 2000, 'saturation to drop to 1')
    assert.equal(bot.food, 20)
  })

  await t.test('a broken block costs 0.005 and damage 0.1', async () => {
    await bot.waitForTicks(5)
    await setState({ saturation: 0 })
    const below = bot.entity.position.floored().offset(1, -1, 0)
    const before = player.hunger.exhaustion
    await bot.dig(bot.blockAt(below))
    await waitFor(async () => (await serv.overworld.getBlock(below)).name === 'air', 2000, 'the server to break the block')
    assert.ok(near(player.hunger.exhaustion - before, 0.005, 1e-9), String(player.hunger.exhaustion - before))

    const beforeHit = player.hunger.exhaustion
    player.takeDamage({ damage: 1 })
    assert.ok(near(player.hunger.exhaustion - beforeHit, 0.1, 1e-9))
    await waitFor(() => bot.health === 19, 2000, 'the client to see the damage')
  })

  await t.test('natural regeneration at food >= 18: 1 HP per 80 ticks for 6 exhaustion', async () => {
    await setState({ health: 20, food: 18, saturation: 0 }) // not hurt: the regeneration timer restarts
    await bot.waitForTicks(3)
    await setState({ health: 15, food: 18, saturation: 0 })
    const start = Date.now()
    await waitFor(() => bot.health === 16, 8000, 'a heal')
    const ms = Date.now() - start
    assert.ok(ms >= 3000, `healed after ${ms} ms, vanilla 4 s`)
    t.diagnostic(`healed 1 HP after ${ms} ms`)
    // 6 exhaustion: 4 of it takes a food point at once (saturation is 0), 2 stay
    await waitFor(() => bot.food === 17, 2000, 'the heal to cost a food point')
    assert.ok(near(player.hunger.exhaustion, 2, 1e-6), String(player.hunger.exhaustion))
  })

  await t.test('saturated regeneration at food 20 heals fast', async () => {
    await setState({ health: 10, food: 20, saturation: 5 })
    const start = Date.now()
    await waitFor(() => bot.health > 10, 3000, 'a fast heal')
    t.diagnostic(`healed after ${Date.now() - start} ms (vanilla 10 ticks)`)
    assert.ok(near(bot.health, 10 + 5 / 6), String(bot.health))
    // the heal cost 5 exhaustion, so a saturation point goes
    await waitFor(() => bot.foodSaturation < 5, 2000, 'the heal to cost saturation')
  })

  await t.test('starvation at food 0 hurts down to 10 HP on easy', async () => {
    assert.equal(serv.difficulty, 1)
    await setState({ health: 11, food: 0, saturation: 0 })
    await waitFor(() => bot.health === 10, 8000, 'starvation damage')
    await sleep(4500) // another 80 ticks: easy stops at 10 HP
    assert.equal(bot.health, 10)
    assert.equal(player.health, 10)
  })

  await t.test('eating cooked beef when hungry: 32 ticks, +8 food, +12.8 saturation, one item used up', async () => {
    await setState({ food: 10, saturation: 0 })
    await hold('cooked_beef', 3, 0)
    const start = Date.now()
    await bot.consume()
    const ms = Date.now() - start
    t.diagnostic(`consume() resolved after ${ms} ms`)
    assert.ok(ms >= 1400, `ate in ${ms} ms, vanilla 1.6 s`)
    assert.equal(bot.food, 18)
    assert.ok(near(bot.foodSaturation, 12.8), String(bot.foodSaturation))
    assert.equal(player.food, 18)
    assert.equal(countItems(bot.inventory, 'cooked_beef'), 2)
    assert.equal(countItems(player.inventory, 'cooked_beef'), 2)
  })

  await t.test('eating when full does nothing', async () => {
    await setState({ food: 20, saturation: 5 })
    await assert.rejects(bot.consume(), /Food is full/) // mineflayer refuses it client-side
    // the raw packet: the server refuses too
    let finished = false
    const onStatus = (p) => { if (p.entityId === bot.entity.id && p.entityStatus === 9) finished = true }
    bot._client.on('entity_status', onStatus)
    bot.activateItem()
    await sleep(2500)
    bot.deactivateItem()
    bot._client.removeListener('entity_status', onStatus)
    assert.equal(finished, false)
    assert.equal(countItems(player.inventory, 'cooked_beef'), 2)
    assert.equal(countItems(bot.inventory, 'cooked_beef'), 2)
    assert.equal(bot.food, 20)
  })

  await t.test('a golden apple is eaten even when full; saturation is capped at the food level', async () => {
    await setState({ food: 20, saturation: 15 })
    await hold('golden_apple', 1, 1)
    await bot.consume()
    await waitFor(() => !player.inventory.slots[37] && !bot.inventory.slots[37], 2000, 'the apple to be used up')
    assert.equal(bot.food, 20)
    assert.ok(near(bot.foodSaturation, 20), String(bot.foodSaturation))
  })

  await t.test('switching the hotbar slot or releasing the use key cancels eating', async () => {
    await setState({ food: 10, saturation: 0 })
    await hold('cooked_beef', 2, 0)
    bot.activateItem()
    await bot.waitForTicks(10)
    assert.ok(player.hunger.isEating())
    bot.setQuickBarSlot(2)
    await waitFor(() => !player.hunger.isEating(), 2000, 'eating to stop')
    bot.setQuickBarSlot(0)
    await waitFor(() => player.heldItemSlot === 0, 2000, 'the server to see slot 0')
    bot.activateItem()
    await bot.waitForTicks(10)
    assert.ok(player.hunger.isEating())
    bot.deactivateItem()
    await waitFor(() => !player.hunger.isEating(), 2000, 'eating to stop')
    await sleep(2000)
    assert.equal(player.food, 10)
    assert.equal(bot.food, 10)
    assert.equal(countItems(player.inventory, 'cooked_beef'), 2)
  })

  await t.test('a stew leaves its bowl in the hand', async () => {
    await setState({ food: 10, saturation: 0 })
    await hold('mushroom_stew', 1, 3)
    await bot.consume()
    await waitFor(() => bot.inventory.slots[39]?.name === 'bowl', 2000, 'the bowl')
    assert.equal(player.inventory.slots[39]?.name, 'bowl')
    assert.equal(bot.food, 16)
  })

  await t.test('respawn resets food to 20, saturation to 5 and exhaustion to 0', async () => {
    await setState({ food: 3, saturation: 0, exhaustion: 2 })
    const respawned = once(bot, 'spawn')
    player.updateHealth(0)
    await respawned
    await waitFor(() => bot.food === 20 && near(bot.foodSaturation, 5) && bot.health === 20, 5000, 'the respawned state')
    assert.equal(player.hunger.exhaustion, 0)
    assert.equal(player.food, 20)
  })
})
