'use strict'
// Players and worlds that are kept: a real mineflayer bot leaves and joins again (the same server, then the
// same world folder after a restart) and finds its inventory, armour, enchantments, tool damage, position,
// health, food, XP and the blocks it changed; the world's id and game time tell it that it is the same world.
// Fixtures hand items and set the state server-side; leaving, joining and digging go through the protocol.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { once } = require('events')
const mineflayer = require('mineflayer')
const { startWorld, serverPlayer, makeItem, waitFor, stopWorld } = require('./helpers')
const { setComponent } = require('../util/item_components')
const { CHANNEL } = require('../plugins/world_identity')
const { minecraft: VERSION } = require('../vanilla/versions.json')

/** A bot that also records the world id the server announces (sent right after login, before the spawn). */
async function join (port, username) {
  const bot = mineflayer.createBot({ host: '127.0.0.1', port, username, version: VERSION, auth: 'offline' })
  bot._client.on('custom_payload', ({ channel, data }) => {
    if (channel === CHANNEL) bot.worldId = JSON.parse(data.toString()).id
  })
  await once(bot, 'spawn')
  await bot.waitForTicks(5)
  return bot
}

async function leave (serv, bot) {
  const username = bot.username
  bot.quit()
  await waitFor(() => !serv.players.some(p => p.username === username), 5000, `${username} to leave`)
}

/** Fixture: a kit in every kind of slot, and a player that is hurt, hungry and has XP. */
async function kitUp (serv, bot) {
  const player = serverPlayer(serv, bot)
  const sword = makeItem(serv, 'diamond_sword')
  setComponent(sword, 'damage', 17)
  setComponent(sword, 'enchantments', { enchantments: [{ id: serv.registry.enchantmentsByName.sharpness.id, level: 2 }], showTooltip: true })
  player.inventory.updateSlot(36, makeItem(serv, 'oak_log', 5))
  player.inventory.updateSlot(37, sword)
  player.inventory.updateSlot(20, makeItem(serv, 'cobblestone', 64))
  player.inventory.updateSlot(5, makeItem(serv, 'iron_helmet')) // head
  player.inventory.updateSlot(45, makeItem(serv, 'torch', 3)) // offhand
  player.foodSaturation = 1.5
  player.updateFood(14)
  player.updateHealth(13)
  player.giveXp(40)
  await waitFor(() => bot.inventory.slots[45]?.name === 'torch' && bot.health === 13 && bot.experience.points === 40, 5000, 'the bot to see the kit')
}

/** What must survive, as the bot sees it. */
function stateOf (bot) {
  return {
    slots: bot.inventory.slots.map((item, slot) => item && { slot, name: item.name, count: item.count, durabilityUsed: item.durabilityUsed ?? 0, enchants: JSON.stringify(item.componentMap?.get('enchantments')?.data?.enchantments ?? []) }).filter(Boolean),
    health: bot.health,
    food: bot.food,
    saturation: bot.foodSaturation,
    xp: bot.experience.points,
    level: bot.experience.level
  }
}

function assertSamePlace (after, before) {
  assert.ok(after.distanceTo(before) < 0.5, `back at ${after}, left at ${before}`)
}

test('a player who leaves and joins the same running world keeps inventory, position, health, food and XP', { timeout: 120000 }, async (t) => {
  const world = await startWorld({ seed: 31 })
  const { serv } = world
  let bot = await join(world.port, 'keeper')
  t.after(() => stopWorld(world, bot))
  await kitUp(serv, bot)
  bot.setControlState('forward', true) // walk somewhere else than the spawn
  await bot.waitForTicks(20)
  bot.setControlState('forward', false)
  await bot.waitForTicks(10)
  const before = stateOf(bot)
  const position = bot.entity.position.clone()
  const id = bot.worldId
  const age = bot.time.age
  assert.ok(before.slots.some(s => s.name === 'diamond_sword' && s.durabilityUsed === 17 && s.enchants.includes('"level":2')), JSON.stringify(before.slots))

  await leave(serv, bot)
  bot = await join(world.port, 'keeper')
  assert.deepEqual(stateOf(bot), before)
  assertSamePlace(bot.entity.position, position)
  assert.equal(bot.worldId, id, 'the same world announces the same id')
  assert.ok(bot.time.age >= age, `game time ${bot.time.age} after ${age}`)
  assert.equal(serverPlayer(serv, bot).inventory.slots[37].componentMap.get('damage').data, 17, 'the server keeps the tool damage too')
})

test('a world saved to a folder comes back after a restart: players, changed blocks, id and game time', { timeout: 180000 }, async (t) => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'larm-world-'))
  t.after(() => fs.rmSync(folder, { recursive: true, force: true }))
  let world = await startWorld({ seed: 32, worldFolder: folder })
  let bot = await join(world.port, 'saver')
  t.after(() => stopWorld(world, bot))
  await kitUp(world.serv, bot)
  // a change made through the protocol, two blocks away: the drop lies beyond the pickup range (1.75 blocks)
  const below = bot.entity.position.floored().offset(2, -1, 0)
  await bot.dig(bot.blockAt(below))
  await waitFor(async () => (await world.serv.overworld.getBlock(below)).name === 'air', 3000, 'the server to see the dug block')
  await bot.waitForTicks(20)
  const before = stateOf(bot)
  const position = bot.entity.position.clone()
  const id = bot.worldId
  const age = bot.time.age
  const timeOfDay = world.serv.time
  bot.quit()
  await world.serv.stop()

  assert.ok(fs.existsSync(path.join(folder, 'level.dat')), 'level.dat written')
  assert.ok(fs.readdirSync(path.join(folder, 'region')).some(f => f.endsWith('.mca')), 'region files written')
  assert.equal(fs.readdirSync(path.join(folder, 'playerdata')).filter(f => f.endsWith('.dat')).length, 1, 'one player file')

  world = await startWorld({ seed: 32, worldFolder: folder })
  bot = await join(world.port, 'saver')
  assert.deepEqual(stateOf(bot), before)
  assertSamePlace(bot.entity.position, position)
  assert.equal(bot.blockAt(below).name, 'air', 'the dug block is still dug')
  assert.equal(bot.worldId, id, 'the world folder keeps its id')
  assert.ok(bot.time.age >= age, `the game time went on: ${bot.time.age} after ${age}`)
  assert.ok(world.serv.time >= timeOfDay, `the time of day went on: ${world.serv.time} after ${timeOfDay}`)
  await leave(world.serv, bot)
  await world.serv.stop()

  // a fresh world in memory on the same seed is another world: another id, its game time from 0
  world = await startWorld({ seed: 32 })
  bot = await join(world.port, 'saver')
  assert.notEqual(bot.worldId, id)
  assert.ok(bot.time.age < age, `a new world's game time ${bot.time.age} starts again below ${age}`)
  assert.equal(bot.inventory.items().length, 0, 'a new world knows nothing of the player')
  assert.notEqual(bot.blockAt(below).name, 'air')
})

test('a player who joins again while still listed takes over, as vanilla does: the old connection is kicked, the state kept', { timeout: 120000 }, async (t) => {
  const world = await startWorld({ seed: 33 })
  const first = await join(world.port, 'twice')
  t.after(() => stopWorld(world, first))
  await kitUp(world.serv, first)
  const before = stateOf(first)
  const kicked = once(first, 'kicked')
  const second = await join(world.port, 'twice') // the server has not seen the first connection drop
  t.after(() => second.quit())
  assert.match(JSON.stringify((await kicked)[0]), /logged in from another location/)
  assert.deepEqual(stateOf(second), before)
  await waitFor(() => world.serv.players.filter(p => p.username === 'twice').length === 1, 5000, 'one player left listed')
  serverPlayer(world.serv, second).inventory.updateSlot(38, makeItem(world.serv, 'stick', 2)) // the new connection plays on
  await waitFor(() => second.inventory.slots[38]?.name === 'stick', 3000, 'the stick')
  await leave(world.serv, second)
  const third = await join(world.port, 'twice')
  t.after(() => third.quit())
  assert.equal(third.inventory.slots[38]?.name, 'stick', 'what the new connection did is kept, not the kicked one\'s state')
})
