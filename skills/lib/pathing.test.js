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

// A bot whose walk never ends; `move(bot)` runs every 100 ms meanwhile.
function botWhoseWalkHangs (move = () => {}, mining = false) {
  let stopped = false
  const bot = {
    entity: { position: new Vec3(0.5, 64, 0.5) },
    blockAt: () => ({ name: 'air', boundingBox: 'empty', shapes: [] }),
    clearControlStates () {},
    pathfinder: {
      goto: () => new Promise(() => {}),
      isMining: () => mining,
      stop () { stopped = true },
      setGoal () {}
    }
  }
  const timer = setInterval(() => move(bot), 100)
  return { bot, stopped: () => stopped, done: () => clearInterval(timer) }
}

test('goto: a walk in which the bot stands still is unreachable (seed 11, mine:oak_log hung for its whole deadline)', { timeout: 5000 }, async () => {
  const { bot, stopped, done } = botWhoseWalkHangs()
  const ctx = { bot, signal: new AbortController().signal }
  await assert.rejects(goto(ctx, new goals.GoalY(70), { stuckMs: 1000 }), e => e instanceof SkillError && e.kind === 'unreachable' && /stuck/.test(e.message))
  done()
  assert.ok(stopped(), 'the pathfinder is stopped')
})

for (const [what, move, mining] of [
  ['a bot that keeps moving', bot => { bot.entity.position = bot.entity.position.offset(0.5, 0, 0) }, false],
  ['a bot that digs its way', () => {}, true]
]) {
  test(`goto: ${what} is not stuck`, async () => {
    const { bot, done } = botWhoseWalkHangs(move, mining)
    const controller = new AbortController()
    const walk = goto({ bot, signal: controller.signal }, new goals.GoalY(70), { stuckMs: 1000 })
    setTimeout(() => controller.abort(new Error('cancelled')), 2500)
    await assert.rejects(walk, /cancelled/)
    done()
  })
}

test('goto: digging in place for ever is stuck too (held-out seed 1 000 272: the same cobblestone dug and placed back)', { timeout: 5000 }, async () => {
  const { bot, stopped, done } = botWhoseWalkHangs(() => {}, true)
  const ctx = { bot, signal: new AbortController().signal }
  await assert.rejects(goto(ctx, new goals.GoalY(70), { stuckMs: 1000, stuckWorkingMs: 2000 }),
    e => e instanceof SkillError && e.kind === 'unreachable' && /no progress in 2 s/.test(e.message))
  done()
  assert.ok(stopped(), 'the pathfinder is stopped')
})
