'use strict'
// explore through a real bot on the seeded survival world: it walks at least 16 blocks, the next explore
// heads somewhere new, it ends on dry ground, and a deadline stops it.
const test = require('node:test')
const assert = require('node:assert/strict')
const { worldTest, offlineRegistry, run, assertStopped, parseSkill } = require('../lib/test_world')
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
