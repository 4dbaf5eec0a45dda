'use strict'
// digAt's errors: a dig stopped by something else than the skill's own abort is a typed skill error, never
// an 'internal' bug (held-out seed 1000142: `surface` stopped on "Digging aborted" from its staircase).
const test = require('node:test')
const assert = require('node:assert/strict')
const { Vec3 } = require('vec3')
const { digAt } = require('./digging')
const { SkillError } = require('./errors')

function botWhoseDigIsStopped () {
  const stone = { name: 'stone', type: 1, boundingBox: 'block', shapes: [[0, 0, 0, 1, 1, 1]], digTime: () => 7500 }
  const calls = []
  return {
    calls,
    entity: { position: new Vec3(0.5, 64, 0.5), onGround: true },
    heldItem: null,
    inventory: { items: () => [] },
    blockAt: () => stone,
    digTime: () => 1000,
    pathfinder: { setGoal (g) { calls.push(['setGoal', g]) } },
    dig: () => Promise.reject(new Error('Digging aborted')),
    stopDigging () {}
  }
}

test('digAt: a dig stopped from outside is unreachable, and the pathfinder is stopped first', async () => {
  const bot = botWhoseDigIsStopped()
  const ctx = { bot, signal: new AbortController().signal, log () {} }
  await assert.rejects(digAt(ctx, new Vec3(1, 64, 0)), e => e instanceof SkillError && e.kind === 'unreachable')
  assert.deepEqual(bot.calls, [['setGoal', null]])
})
