'use strict'
// Which world the bot is in: its id, which the embedded world sends in a plugin message right after login
// (world/plugins/world_identity.js; a server that sends none leaves it null), and its game time, vanilla's world
// age from `update_time` (a saved world carries it across a restart; a new world starts it at 0).
const { CHANNEL } = require('larm-world/plugins/world_identity')

/** Listen for the world's id (call before the bot logs in: it comes right after the login packet). */
function watchWorldIdentity (bot) {
  bot._client.on('custom_payload', ({ channel, data }) => {
    if (channel !== CHANNEL) return
    try {
      bot.__worldId = String(JSON.parse(data.toString()).id)
    } catch {} // a malformed message leaves the id unknown
  })
}

/** The world as the bot knows it: {id (null where the server sends none), game_time (null before any time)}. */
function worldOf (bot) {
  const age = bot.time?.age
  return { id: bot.__worldId ?? null, game_time: Number.isFinite(age) ? age : null }
}

module.exports = { watchWorldIdentity, worldOf }
