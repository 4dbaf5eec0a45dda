'use strict'
// A packet the server cannot serialize is dropped and logged; the player's connection keeps working.
// (Unguarded, minecraft-protocol destroys that player's serializer and the client silently stops hearing
// from the server while still connected.)
const test = require('node:test')
const assert = require('node:assert/strict')
const { startWorld, connectBot, serverPlayer, waitFor, stopWorld } = require('./helpers')

test('an unserializable packet costs that packet, not the connection', { timeout: 60000 }, async () => {
  const world = await startWorld()
  const { serv } = world
  const bot = await connectBot(world.port, 'guarded')
  const dropped = []
  serv.on('droppedPacket', d => dropped.push(d))
  serverPlayer(serv, bot)._client.write('set_slot', { windowId: 'not a number', slot: 'nor this' })

  const pong = new Promise(resolve => bot.on('messagestr', m => { if (String(m).includes('pong [4]')) resolve() }))
  bot.chat('/ping 3')
  await Promise.race([pong, new Promise((resolve, reject) => setTimeout(() => reject(new Error('no /ping answer after a dropped packet')), 10000))])

  await waitFor(() => dropped.length === 1, 2000, 'the dropped packet to be reported')
  assert.equal(dropped[0].name, 'set_slot')
  assert.equal(dropped[0].player, 'guarded')
  assert.equal(serv.droppedPackets, 1)
  bot.quit()
  await stopWorld(world)
})
