'use strict'
// Walking to a pathfinder goal within the search bounds that prepareBot sets, with a clean stop on abort.
const { goals, Movements } = require('mineflayer-pathfinder')
const { SkillError } = require('./errors')
const { abortable, stopMotion, throwIfAborted } = require('./cancel')
const { escape, trapped } = require('./escape')

// A digging cost (pathfinder's default is 1) that makes a search walk around hills and through caves
// rather than tunnel; it still digs when there is no other way.
const WALK_AROUND_DIG_COST = 6
// A walk in which the bot, neither digging nor building, stays within STUCK_RADIUS blocks for STUCK_MS of game
// time is given up as unreachable: mineflayer-pathfinder can wait forever with its goal set and no path (a
// path that ended short of the goal is not planned again) or plan the same path again each 3.5 s it makes no
// progress (seen in mine:oak_log on seed 11, the bot pressed against a step it did not jump, under load).
const STUCK_MS = 10000
// Digging or building in place is progress, but not for ever: past this much game time within STUCK_RADIUS
// the walk is stuck too (held-out seed 1 000 272: beside lava the pathfinder dug a cobblestone and placed it
// back, again and again, for five skills' whole deadlines). A dig by hand takes at most 15 s (deepslate).
const STUCK_WORKING_MS = 60000
const STUCK_RADIUS = 1
const STUCK_POLL_MS = 500

/**
 * Walk to a pathfinder goal with bounded search. Throws SkillError('unreachable') when no path is found
 * within the bounds, and stops the pathfinder when the skill is aborted. A bot in lava or in a block gets
 * out first (skills/lib/escape.js): no path starts there. A walk that makes no progress for `stuckMs` of game
 * time is unreachable too.
 */
async function goto (ctx, goal, { stuckMs = STUCK_MS, stuckWorkingMs = STUCK_WORKING_MS } = {}) {
  const { bot, signal } = ctx
  throwIfAborted(signal)
  if (trapped(bot)) await escape(ctx)
  const stuck = stuckWatch(bot, stuckMs, stuckWorkingMs)
  try {
    await abortable(signal, Promise.race([bot.pathfinder.goto(goal), stuck.promise]), () => stopMotion(bot))
  } catch (err) {
    if (signal.aborted) throw signal.reason
    if (err instanceof SkillError) { stopMotion(bot); throw err }
    const name = err?.name || ''
    if (/NoPath|Timeout|GoalChanged|PathStopped/i.test(name + ' ' + err?.message)) {
      throw new SkillError('unreachable', `no path to the goal within the search bounds (${err.message})`)
    }
    // the pathfinder stops its own digging when it plans anew (a block moved, the path changed)
    if (/Digging aborted/i.test(err?.message)) throw new SkillError('unreachable', 'the walk was cut short: its digging was interrupted')
    throw err
  } finally {
    stuck.stop()
  }
}

/**
 * A promise that rejects (unreachable) once the bot has made no progress: `stuckMs` in place neither digging
 * nor building, or `workingMs` in place whatever it does. stop() ends the watch.
 */
function stuckWatch (bot, stuckMs, workingMs) {
  let from = bot.entity.position.clone()
  let idle = 0 // ms in place, neither digging nor building
  let still = 0 // ms in place
  let timer = null
  const promise = new Promise((resolve, reject) => {
    timer = setInterval(() => {
      const here = bot.entity.position
      if (here.distanceTo(from) >= STUCK_RADIUS) { from = here.clone(); idle = 0; still = 0; return } // a pillar step is exactly 1
      const working = bot.pathfinder.isMining?.() || bot.pathfinder.isBuilding?.()
      idle = working ? 0 : idle + STUCK_POLL_MS
      still += STUCK_POLL_MS
      if (idle >= stuckMs || still >= workingMs) {
        clearInterval(timer)
        const ms = idle >= stuckMs ? stuckMs : workingMs
        reject(new SkillError('unreachable', `the walk got stuck at ${here.x.toFixed(1)} ${here.y.toFixed(1)} ${here.z.toFixed(1)}: no progress in ${ms / 1000} s`))
      }
    }, STUCK_POLL_MS)
  })
  promise.catch(() => {}) // rejected only while raced against the walk
  return { promise, stop: () => clearInterval(timer) }
}

module.exports = { goals, Movements, goto, WALK_AROUND_DIG_COST }
