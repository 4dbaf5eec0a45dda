'use strict'
// A bot on this machine stops and restarts the world's game clock with a plugin message (plugins/clock_control.js);
// pauses nest, and a bot that leaves paused releases them. The clock is installed first, as the server's
// process does it.
const gameClock = require('../util/game_clock')
gameClock.install(1)
const test = require('node:test')
const assert = require('node:assert/strict')
const { once } = require('events')
const { startWorld, connectBot, stopWorld } = require('./helpers')
const { CHANNEL, PAUSE, RESUME } = require('../plugins/clock_control')

const realSleep = ms => new Promise(resolve => gameClock.real.setTimeout(resolve, ms))
const send = (bot, byte) => bot._client.write('custom_payload', { channel: CHANNEL, data: Buffer.from([byte]) })

/** Server ticks during `ms` of real time. */
async function ticksDuring (serv, ms) {
  const t0 = serv.tickCount
  await realSleep(ms)
  return serv.tickCount - t0
}

test('a bot stops the game clock, pauses nest, and leaving releases them', { timeout: 60000 }, async (t) => {
  const world = await startWorld({ seed: 3 })
  const bot = await connectBot(world.port, 'pauser')
  t.after(() => stopWorld(world, bot))
  assert.ok(await ticksDuring(world.serv, 500) >= 5, 'the world ticks before any pause')

  send(bot, PAUSE)
  send(bot, PAUSE)
  await realSleep(100)
  assert.equal(await ticksDuring(world.serv, 500), 0, 'no tick while paused')
  assert.ok(gameClock.pausedState().paused)
  send(bot, RESUME)
  await realSleep(100)
  assert.equal(await ticksDuring(world.serv, 300), 0, 'one resume of two pauses leaves the clock stopped')

  bot.quit()
  await once(bot, 'end')
  await realSleep(200)
  assert.ok(!gameClock.pausedState().paused, 'the pause outlived the bot')
  assert.ok(await ticksDuring(world.serv, 500) >= 5, 'the world ticks again once the pausing bot left')
})

test('a resume without a pause is ignored', { timeout: 60000 }, async (t) => {
  const world = await startWorld({ seed: 4 })
  const bot = await connectBot(world.port, 'resumer')
  t.after(() => stopWorld(world, bot))
  send(bot, RESUME)
  send(bot, PAUSE)
  await realSleep(100)
  assert.equal(await ticksDuring(world.serv, 400), 0, 'a stray resume made a later pause ineffective')
  send(bot, RESUME)
  await realSleep(100)
  assert.ok(await ticksDuring(world.serv, 500) >= 5)
})
