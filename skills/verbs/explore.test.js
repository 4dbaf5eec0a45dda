'use strict'
// explore through a real bot on the seeded survival world: it walks at least 16 blocks, the next explore
// heads somewhere new, it ends on dry ground, and a deadline stops it.
const test = require('node:test')
const assert = require('node:assert/strict')
const { worldTest, offlineRegistry, run, assertStopped, parseSkill } = require('../lib/test_world')
const explore = require('./explore')
const { visitedPlaces } = explore
const { SkillInputError } = require('../lib/errors')

const SEED = Number(process.env.SKILL_TEST_SEED || 3)

test('bad explore tokens and arguments are refused', async () => {
  const registry = offlineRegistry()
  assert.throws(() => parseSkill('explore:north', {}, registry), e => e instanceof SkillInputError && e.kind === 'unknown_skill')
  assert.throws(() => parseSkill('explore', { distance: 8 }, registry), e => e.kind === 'bad_arguments')
  assert.throws(() => parseSkill('explore', { distance: 200 }, registry), e => e.kind === 'bad_arguments')
  assert.equal(parseSkill('explore', {}, registry).args.distance, 48)
})

worldTest('explore in the survival world', { timeout: 240000, seed: SEED, username: 'explorer' }, async (t, { bot }) => {

  await t.test('explore walks at least 16 blocks, and the next explore heads somewhere new', async () => {
    const a = bot.entity.position.clone()
    const r1 = await run(bot, 'explore', { distance: 32 }, { deadlineMs: 60000 })
    assert.ok(r1.ok, JSON.stringify(r1.error))
    const b = bot.entity.position.clone()
    assert.ok(Math.hypot(b.x - a.x, b.z - a.z) >= 16, `moved ${a} -> ${b}`)
    assert.ok(r1.detail.moved >= 16, JSON.stringify(r1.detail))
    const r2 = await run(bot, 'explore', { distance: 32 }, { deadlineMs: 60000 })
    assert.ok(r2.ok, JSON.stringify(r2.error))
    const c = bot.entity.position.clone()
    assert.ok(Math.hypot(c.x - b.x, c.z - b.z) >= 16, `moved ${b} -> ${c}`)
    assert.ok(Math.hypot(c.x - a.x, c.z - a.z) >= 16, `the second explore came back to the first start: ${a} -> ${b} -> ${c}`)
    assert.ok(!bot.entity.isInWater, 'explore ends on dry ground')
  })

  await t.test('a deadline stops explore (kind deadline) and the bot with it', async () => {
    const r = await run(bot, 'explore', { distance: 128 }, { deadlineMs: 2500 })
    assert.equal(r.error?.kind, 'deadline', JSON.stringify(r.error))
    await assertStopped(bot)
  })
})

test('explore with nowhere new to go takes the way it came', async () => {
  // Held-out seed 1 000 230: a bridge the bot had built over a lava lake at y -56 led east; from its end every
  // new heading was lava, and explore failed 30 times in a row without trying the way back west. A stand-in
  // bot whose pathfinder finds a path only back west, where it explored before.
  const { Vec3 } = require('vec3')
  const registry = offlineRegistry()
  const bot = {
    registry,
    entity: { position: new Vec3(0.5, -56, 0.5), isInWater: false },
    blockAt: () => ({ name: 'air', boundingBox: 'empty', shapes: [] }),
    clearControlStates () {},
    pathfinder: {
      movements: null,
      setMovements () {},
      goto: async goal => {
        const { x, z } = bot.entity.position
        const west = goal.x < x - 3 && Math.abs(goal.z - z) < (x - goal.x) * 0.45 // within 25 degrees of due west
        if (!west) throw Object.assign(new Error('No path to the goal!'), { name: 'NoPath' })
        bot.entity.position = new Vec3(goal.x, -56, goal.z)
      },
      isMining: () => false,
      stop () {},
      setGoal () {}
    }
  }
  for (let k = 1; k <= 4; k++) visitedPlaces(bot).push(new Vec3(-8 * k, 0, 0)) // where it came from
  const progress = []
  const ctx = { bot, registry, signal: new AbortController().signal, progress: m => progress.push(m), log () {} }
  const r = await explore.run(ctx, null, { distance: 32 })
  assert.ok(bot.entity.position.x <= -4, `went west: ${bot.entity.position}`)
  assert.ok(r.moved >= 4 && /west/.test(r.direction), JSON.stringify(r))
  assert.ok(progress.some(m => /nowhere new to go/.test(m)), progress.join(' | '))
})
