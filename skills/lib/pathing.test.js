'use strict'
// goto's errors: what the pathfinder throws becomes a typed skill error (never an 'internal' bug), with a
// stand-in bot whose pathfinder fails the way mineflayer-pathfinder does.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Vec3 } = require('vec3')
const { goto, goals } = require('./pathing')
const { SkillError } = require('./errors')

function botWhosePathfinderFails (err) {
  const air = { name: 'air', boundingBox: 'empty', shapes: [] }
  return {
    entity: { position: new Vec3(0.5, 64, 0.5) },
    blockAt: () => air,
    pathfinder: { goto: () => Promise.reject(err), stop () {}, setGoal () {} },
    clearControlStates () {}
  }
}

for (const [what, err] of [
  ['no path', Object.assign(new Error('No path to the goal!'), { name: 'NoPath' })],
  ['digging aborted when the pathfinder planned anew (held-out seed 1000124, surface)', new Error('Digging aborted')]
]) {
  test(`goto: ${what} is unreachable, not an internal error`, async () => {
    const ctx = { bot: botWhosePathfinderFails(err), signal: new AbortController().signal }
    await assert.rejects(goto(ctx, new goals.GoalY(70)), e => e instanceof SkillError && e.kind === 'unreachable')
  })
}
