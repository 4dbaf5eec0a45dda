'use strict'
// Shared fixtures for the Node tests of the world, the bridge and the skills: a fresh embedded server on a
// free loopback port and a real mineflayer bot connected to it. Fixtures that set up a scene (placing a
// block, handing the bot a tool) act on the server directly, as a test harness; the mechanic under test is
// exercised through the protocol.
const { once } = require('events')
const mineflayer = require('mineflayer')
const { Vec3 } = require('vec3')
const { startEmbeddedServer } = require('../embedded_server')
const { minecraft: VERSION } = require('../vanilla/versions.json')

async function startWorld ({ seed = 1, assists = [], world = 'flat', worldFolder } = {}) {
  const serv = startEmbeddedServer({ port: 0, seed, assists, world, worldFolder, log: 'quiet' })
  await once(serv, 'ready') // plugins loaded and the socket listening
  return { serv, port: serv.listeningPort }
}

async function connectBot (port, username = 'tester', plugins = []) {
  const bot = mineflayer.createBot({ host: '127.0.0.1', port, username, version: VERSION, auth: 'offline' })
  for (const p of plugins) bot.loadPlugin(p)
  await once(bot, 'spawn')
  await bot.waitForTicks(5)
  return bot
}

/** The server-side player object of a bot. */
function serverPlayer (serv, bot) {
  return serv.players.find(p => p.username === bot.username)
}

function makeItem (serv, name, count = 1) {
  const Item = require('prismarine-item')(serv.registry)
  const def = serv.registry.itemsByName[name]
  if (!def) throw new Error(`unknown item ${name}`)
  return new Item(def.id, count)
}

/** Fixture: put `name` x count into hotbar slot `hotbar` (0-8) of the server player and wait for the bot to see it. */
async function giveFixture (serv, bot, name, count = 1, hotbar = 0) {
  const player = serverPlayer(serv, bot)
  player.inventory.updateSlot(36 + hotbar, makeItem(serv, name, count))
  await waitFor(() => bot.inventory.slots[36 + hotbar]?.name === name, 3000, `bot to receive ${name}`)
}

async function setBlockFixture (serv, pos, blockName) {
  const block = serv.registry.blocksByName[blockName]
  if (!block) throw new Error(`unknown block ${blockName}`)
  await serv.setBlock(serv.overworld, pos, block.defaultState)
}

async function waitFor (predicate, timeoutMs, what) {
  const start = Date.now()
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

function countItems (window, name) {
  return window.slots.filter(s => s && (!name || s.name === name)).reduce((n, s) => n + s.count, 0)
}

async function stopWorld ({ serv }, ...bots) {
  for (const bot of bots) bot?.quit?.()
  await serv.stop()
}

module.exports = { startWorld, connectBot, serverPlayer, makeItem, giveFixture, setBlockFixture, waitFor, countItems, stopWorld, Vec3 }
