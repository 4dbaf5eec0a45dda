'use strict'
// The bot may stop the world's game clock (world/util/game_clock.js) while it computes: a path search or the
// agent's next decision costs real time, which at K times real time would cost K times more game time and make
// an episode's game ticks depend on the machine and on K. The bridge sends a plugin message on CHANNEL: one
// byte, 1 = pause, 0 = resume; pauses nest and a player's are released when it leaves, so a bridge that dies
// paused cannot stop the world for good. Only players connected from this machine (loopback) may do it.
const gameClock = require('../util/game_clock')

const CHANNEL = 'larm:clock'
const PAUSE = 1
const RESUME = 0

function isLoopback (address) {
  return typeof address === 'string' && /^(127\.|::1$|::ffff:127\.)/.test(address)
}

module.exports.player = function (player) {
  const client = player._client
  if (!gameClock.installed() || !isLoopback(client.socket?.remoteAddress)) return
  let held = 0
  client.on('custom_payload', ({ channel, data }) => {
    if (channel !== CHANNEL || !data || data.length !== 1) return
    if (data[0] === PAUSE) { held++; gameClock.pause() } else if (data[0] === RESUME && held > 0) { held--; gameClock.resume() }
  })
  client.once('end', () => { for (; held > 0; held--) gameClock.resume() })
}

module.exports.CHANNEL = CHANNEL
module.exports.PAUSE = PAUSE
module.exports.RESUME = RESUME
