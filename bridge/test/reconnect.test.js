'use strict'
// What the bridge's bot says when it comes back: the same world with nothing lost after the server dropped it,
// and a reset world (another id, the game time back near 0, the inventory gone) after the server was replaced
// by a fresh one on the same address. Real embedded servers, the bridge's real BotConnection.
const test = require('node:test')
const assert = require('node:assert/strict')
const { once } = require('events')
const { startEmbeddedServer } = require('larm-world/embedded_server')
const { serverPlayer, makeItem, waitFor } = require('larm-world/test/helpers')
const { gameTicks } = require('larm-skills/lib/bot_setup')
const { BotConnection } = require('../bot/bot_connection')
const { createObserver } = require('../bot/observation')
const { schema } = require('../bot/protocol')
const Ajv2020 = require('ajv/dist/2020')

const ajv = new Ajv2020({ strict: false })
ajv.addSchema(schema)
/** Assert that a message the bridge sends matches its definition in bridge/protocol.schema.json. */
function assertSchema (def, value) {
  const validate = ajv.getSchema(`${schema.$id}#/$defs/${def}`)
  assert.ok(validate(value), `${def}: ${JSON.stringify(validate.errors)}`)
}

async function startWorld (port) {
  const serv = startEmbeddedServer({ port, seed: 41, world: 'flat', log: 'quiet' })
  await once(serv, 'ready')
  return serv
}

/** The next 'reconnected' event's data. */
function nextReconnect (connection) {
  return new Promise(resolve => {
    const on = (name, data) => {
      if (name !== 'reconnected') return
      connection.removeListener('event', on)
      resolve(data)
    }
    connection.on('event', on)
  })
}

test('a reconnect to the same world loses nothing; to a fresh world on the same address it says what was lost', { timeout: 120000 }, async (t) => {
  let serv = await startWorld(0)
  const port = serv.listeningPort
  const connection = new BotConnection({ host: '127.0.0.1', port, username: 'comeback' })
  t.after(async () => { connection.stop(); await serv.stop() })
  let bot = await connection.start()
  await bot.waitForTicks(5)
  const player = serverPlayer(serv, bot)
  player.inventory.updateSlot(36, makeItem(serv, 'oak_log', 7)) // fixture
  player.inventory.updateSlot(6, makeItem(serv, 'iron_chestplate'))
  player.giveXp(30)
  await waitFor(() => bot.inventory.slots[6]?.name === 'iron_chestplate' && bot.experience.points === 30, 5000, 'the kit')
  const first = createObserver(bot).observe()
  assert.ok(first.world.id, 'the embedded world says its id')
  assert.ok(first.world.game_time > 0, `game time ${first.world.game_time}`)
  assertSchema('state', first)

  // the server drops the player (as after a network blip); the bridge's bot joins again
  let back = nextReconnect(connection)
  player.kick('dropped by the test')
  let data = await back
  assertSchema('event', { type: 'event', event: 'reconnected', tick: 0, data })
  bot = connection.bot
  assert.equal(data.same_world, true)
  assert.deepEqual(data.lost, [])
  assert.equal(data.before.id, first.world.id)
  assert.ok(data.world.game_time >= data.before.game_time, JSON.stringify(data))
  const again = createObserver(bot).observe()
  assert.ok(again.tick >= first.tick, `the bridge's tick goes on across bots: ${first.tick} → ${again.tick}`)
  assert.equal(again.inventory.oak_log, 7)
  assert.equal(again.equipment.chest, 'iron_chestplate')

  // the server goes away and a fresh world takes its address: the agent must hear that everything is gone
  const ticksBefore = gameTicks(bot)
  back = nextReconnect(connection)
  await serv.stop()
  serv = await startWorld(port)
  data = await back
  assertSchema('event', { type: 'event', event: 'reconnected', tick: 0, data })
  assert.equal(data.same_world, false)
  const what = data.lost.map(l => l.what)
  for (const kind of ['world', 'game_time', 'inventory', 'equipment', 'xp']) assert.ok(what.includes(kind), `${kind} in ${JSON.stringify(data.lost)}`)
  assert.match(data.lost.find(l => l.what === 'inventory').message, /oak_log 7 → 0/)
  assert.ok(gameTicks(connection.bot) >= ticksBefore)
})
