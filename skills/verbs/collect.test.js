'use strict'
// collect:<item> through a real bot on the flat world: dropped items picked up, none lying around, bad tokens.
const assert = require('node:assert/strict')
const { worldTest, run, makeItem, parseSkill, inventoryCounts, Vec3, assertRefused } = require('../lib/test_world')

worldTest('collect on the flat world', { timeout: 120000, world: 'flat', username: 'collector' }, async (t, { serv, bot }) => {

  await t.test('bad tokens are refused before anything runs', () => {
    assertRefused(bot.registry, ['collect:nope', 'collect'], 'unknown_skill')
    assert.equal(parseSkill('collect:stick', {}, bot.registry).args.count, 64)
  })

  await t.test('collect:stick picks up dropped sticks; collect:diamond finds none', async () => {
    const before = inventoryCounts(bot).stick || 0
    const p = bot.entity.position
    serv.dropItem(serv.overworld, new Vec3(p.x + 2.5, p.y + 1, p.z + 0.5), makeItem(serv, 'stick', 3), { velocity: new Vec3(0, 0, 0) })
    serv.dropItem(serv.overworld, new Vec3(p.x - 1.5, p.y + 1, p.z + 2.5), makeItem(serv, 'stick', 2), { velocity: new Vec3(0, 0, 0) })
    await bot.waitForTicks(10)
    const r = await run(bot, 'collect:stick', {}, { deadlineMs: 30000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.equal(r.inventory_delta.stick, 5)
    assert.equal((inventoryCounts(bot).stick || 0) - before, 5)
    const none = await run(bot, 'collect:diamond', {}, { deadlineMs: 10000 })
    assert.equal(none.error?.kind, 'not_found')
  })
})
