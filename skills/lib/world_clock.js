'use strict'
// Stopping the world while the bot computes. On the embedded world (the bridge's --pause-world yes) the bot's
// computing costs no game time: a path search runs with the world's game clock and the bot's own stopped
// (world/plugins/clock_control.js, world/util/game_clock.js), and the world stands still between skills
// while the agent decides. The same episode then takes the same game ticks at any speed K. A user's server
// keeps its own time: there nothing is stopped.
const AStar = require('mineflayer-pathfinder/lib/astar')
const { gameClock } = require('./world_package')

const CHANNEL = 'larm:clock'
const PAUSE = Buffer.from([1])
const RESUME = Buffer.from([0])

let enabled = false

/** Stop the world while the bot computes (only where the world honours it: the embedded one). */
function enableWorldPauses () {
  if (!gameClock.installed()) throw new Error('the game clock is not installed in this process')
  enabled = true
}

function tell (bot, payload) {
  try {
    if (bot?._client?.state === 'play' && !bot._client.ended) bot._client.write('custom_payload', { channel: CHANNEL, data: payload })
  } catch {} // a connection on its way out: the server releases its pauses when it ends
}

/** Run `fn` (synchronous) with the world and the bot's clock stopped; its budget clocks read real time. */
function whileWorldStopped (bot, fn) {
  if (!enabled) return fn()
  tell(bot, PAUSE)
  try {
    return gameClock.freeze(fn)
  } finally {
    tell(bot, RESUME)
  }
}

/**
 * Stop the world until the returned release() is called (holds nest): for what the agent asks between
 * skills, such as a frame to look at. A no-op where pauses are not enabled.
 */
function holdWorld (bot) {
  if (!enabled || !bot?.entity) return () => {}
  tell(bot, PAUSE)
  gameClock.pause()
  let held = true
  return () => {
    if (!held) return
    held = false
    tell(bot, RESUME)
    gameClock.resume()
  }
}

/**
 * Stop the world until resumeWorld(bot) (between skills, while the agent decides). Released by itself
 * when the bot dies or leaves, so that a respawn or a reconnect never waits on a stopped clock.
 */
function pauseWorld (bot) {
  if (!enabled || bot.__worldRelease || !(bot.health > 0) || !bot.entity || bot._client?.ended) return
  const release = holdWorld(bot)
  const done = () => {
    bot.__worldRelease = null
    bot.removeListener('death', done)
    bot.removeListener('end', done)
    release()
  }
  bot.__worldRelease = done
  bot.once('death', done)
  bot.once('end', done)
}

function resumeWorld (bot) {
  bot?.__worldRelease?.()
}

// The pathfinder computes in slices (once per tick while it plans, and in getPathTo): each slice runs with
// the world stopped, so the search's cost in game time is the same at any K.
const compute = AStar.prototype.compute
AStar.prototype.compute = function computeWithWorldStopped () {
  return whileWorldStopped(this.movements?.bot, () => compute.call(this))
}

module.exports = { enableWorldPauses, whileWorldStopped, holdWorld, pauseWorld, resumeWorld, CHANNEL }
