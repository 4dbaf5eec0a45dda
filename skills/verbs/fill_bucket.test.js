'use strict'
// fill_bucket:<fluid> through a real bot on the flat world: no bucket, no source, a water source in the
// ground, a lava source from a pool (the bot stays out of it). Scenes are fixtures set on the server.
const assert = require('node:assert/strict')
const { worldTest, flatScene, run, clearInventory, giveFixture, setBlockFixture, waitFor, Vec3, assertTokens } = require('../lib/test_world')

worldTest('fill_bucket on the flat world', { timeout: 120000, world: 'flat', username: 'filler', exitAfter: true }, async (t, { serv, bot }) => {
  const { origin, serverName, scene } = flatScene(serv, bot)

  await t.test('targets', () => assertTokens(bot.registry, ['fill_bucket:lava', 'fill_bucket:water'], ['fill_bucket:milk', 'fill_bucket']))

  await t.test('no bucket is missing_items, no source is not_found, at once', async () => {
    await clearInventory(serv, bot)
    let r = await run(bot, 'fill_bucket:water', {}, { deadlineMs: 10000 })
    assert.equal(r.error?.kind, 'missing_items')
    await giveFixture(serv, bot, 'bucket', 1, 1)
    r = await run(bot, 'fill_bucket:water', {}, { deadlineMs: 10000 })
    assert.equal(r.error?.kind, 'not_found')
  })

  await t.test('fill_bucket:water fills the bucket from a source in the ground', async () => {
    await clearInventory(serv, bot)
    await giveFixture(serv, bot, 'bucket', 1, 3)
    const water = origin.offset(6, -1, 2)
    await scene(water, 'water')
    const r = await run(bot, 'fill_bucket:water', {}, { deadlineMs: 40000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.deepEqual(r.inventory_delta, { bucket: -1, water_bucket: 1 })
    assert.deepEqual(r.detail.source, { x: water.x, y: water.y, z: water.z })
    assert.equal(await serverName(water), 'air')
  })

  await t.test('fill_bucket:lava takes a lava source from a pool', async () => {
    const corner = origin.offset(-8, -1, 4)
    for (let dx = 0; dx < 3; dx++) for (let dz = 0; dz < 3; dz++) await setBlockFixture(serv, corner.offset(dx, 0, dz), 'lava')
    await waitFor(() => bot.blockAt(corner.offset(2, 0, 2))?.name === 'lava', 5000, 'the pool')
    await giveFixture(serv, bot, 'bucket', 1, 6)
    const r = await run(bot, 'fill_bucket:lava', {}, { deadlineMs: 40000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.deepEqual(r.inventory_delta, { bucket: -1, lava_bucket: 1 })
    const s = r.detail.source
    assert.equal(await serverName(new Vec3(s.x, s.y, s.z)), 'air')
    assert.ok(bot.entity.position.y >= origin.y - 0.01, 'the bot did not go into the pool')
  })
})
