'use strict'
// surface through a real bot on the flat world: nothing to do under the open sky; under a stone roof it
// digs and builds its way up until nothing is above it (standing in the hole it dug through the roof counts:
// the sky is open above it).
const assert = require('node:assert/strict')
const { worldTest, run, giveFixture, setBlockFixture, parseSkill, waitFor } = require('../lib/test_world')
const { SkillInputError } = require('../lib/errors')

worldTest('surface on the flat world', { timeout: 120000, world: 'flat', username: 'climber' }, async (t, { serv, bot }) => {

  await t.test('surface takes no target', () => {
    assert.throws(() => parseSkill('surface:up', {}, bot.registry), e => e instanceof SkillInputError && e.kind === 'unknown_skill')
  })

  await t.test('under the open sky it is already there', async () => {
    const r = await run(bot, 'surface', {}, { deadlineMs: 10000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.equal(r.detail.from_y, r.detail.to_y)
  })

  await t.test('under a stone roof it climbs up through it to the open sky', async () => {
    await giveFixture(serv, bot, 'stone_pickaxe', 1, 0)
    await giveFixture(serv, bot, 'cobblestone', 16, 1)
    const feet = bot.entity.position.floored()
    for (let dx = -3; dx <= 3; dx++) {
      for (let dz = -3; dz <= 3; dz++) await setBlockFixture(serv, feet.offset(dx, 3, dz), 'stone')
    }
    await waitFor(() => bot.blockAt(feet.offset(3, 3, 3))?.name === 'stone', 5000, 'the roof')
    const r = await run(bot, 'surface', {}, { deadlineMs: 60000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.equal(r.detail.from_y, feet.y)
    assert.ok(r.detail.to_y >= feet.y + 3, JSON.stringify(r.detail)) // the roof is at feet.y + 3
    const p = bot.entity.position.floored()
    for (let y = p.y + 1; y <= feet.y + 8; y++) assert.equal(bot.blockAt(p.offset(0, y - p.y, 0))?.boundingBox, 'empty', `a block above the bot at y=${y}`)
  })
})
