'use strict'
// Walking to a pathfinder goal within the search bounds that prepareBot sets, with a clean stop on abort.
const { goals, Movements } = require('mineflayer-pathfinder')
const { SkillError } = require('./errors')
const { abortable, stopMotion, throwIfAborted } = require('./cancel')
const { escape, trapped } = require('./escape')

// A digging cost (pathfinder's default is 1) that makes a search walk around hills and through caves
// rather than tunnel; it still digs when there is no other way.
const WALK_AROUND_DIG_COST = 6

/**
 * Walk to a pathfinder goal with bounded search. Throws SkillError('unreachable') when no path is found
 * within the bounds, and stops the pathfinder when the skill is aborted. A bot in lava or in a block gets
 * out first (skills/lib/escape.js): no path starts there.
 */
async function goto (ctx, goal) {
  const { bot, signal } = ctx
  throwIfAborted(signal)
  if (trapped(bot)) await escape(ctx)
  try {
    await abortable(signal, bot.pathfinder.goto(goal), () => stopMotion(bot))
  } catch (err) {
    if (signal.aborted) throw signal.reason
    const name = err?.name || ''
    if (/NoPath|Timeout|GoalChanged|PathStopped/i.test(name + ' ' + err?.message)) {
      throw new SkillError('unreachable', `no path to the goal within the search bounds (${err.message})`)
    }
    // the pathfinder stops its own digging when it plans anew (a block moved, the path changed)
    if (/Digging aborted/i.test(err?.message)) throw new SkillError('unreachable', 'the walk was cut short: its digging was interrupted')
    throw err
  }
}

module.exports = { goals, Movements, goto, WALK_AROUND_DIG_COST }
