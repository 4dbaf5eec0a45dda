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

test("another player's long move reaches the bot (flying-squid's old entity_teleport is translated)", { timeout: 60000 }, async () => {
  const world = await startWorld()
  const { serv } = world
  const watcher = await connectBot(world.port, 'watcher')
  const mover = await connectBot(world.port, 'mover')
  const dropped = []
  serv.on('droppedPacket', d => dropped.push(d))
  // (flying-squid spawns other players with a wrong entity type, so the watcher knows the mover by id only)
  const id = serverPlayer(serv, mover).id
  await waitFor(() => watcher.entities[id], 10000, 'the watcher to see the mover')
  const target = serverPlayer(serv, mover).position.offset(12, 0, 0)
  serverPlayer(serv, mover).teleport(target)
  await waitFor(() => watcher.entities[id]?.position.distanceTo(target) < 1.5, 10000, 'the watcher to see the mover 12 blocks away')
  assert.deepEqual(dropped, [])
  watcher.quit()
  mover.quit()
  await stopWorld(world)
})
