'use strict'
// place:<block> through a real bot on the flat world: on free ground next to the bot, against the walls of a
// one-block shaft (never in the bot), missing_items without the block, bad tokens.
const assert = require('node:assert/strict')
const { worldTest, run, clearInventory, giveFixture, setBlockFixture, waitFor, Vec3, assertTokens } = require('../lib/test_world')

worldTest('place on the flat world', { timeout: 120000, world: 'flat', username: 'placer', exitAfter: true }, async (t, { serv, bot }) => {
  const serverName = async pos => (await serv.overworld.getBlock(pos)).name

  await t.test('targets: block items only', () => assertTokens(bot.registry, ['place:crafting_table', 'place:cobblestone'], ['place:water', 'place:air', 'place:stick', 'place:nope', 'place']))

  await t.test('place:crafting_table puts the table on free ground next to the bot', async () => {
    await clearInventory(serv, bot)
    await giveFixture(serv, bot, 'crafting_table', 2, 4)
    const feet = bot.entity.position.floored()
    const r = await run(bot, 'place:crafting_table', {}, { deadlineMs: 30000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.deepEqual(r.inventory_delta, { crafting_table: -1 })
    const pos = new Vec3(r.detail.position.x, r.detail.position.y, r.detail.position.z)
    assert.equal(await serverName(pos), 'crafting_table')
    assert.ok(!pos.equals(bot.entity.position.floored()), 'not where the bot stands')
    assert.ok(pos.distanceTo(feet) <= 3, `next to the bot: ${pos} vs ${feet}`)
    assert.equal((await serverName(pos.offset(0, -1, 0))), 'grass_block', 'on the ground')
  })

  await t.test('place in a one-block shaft puts the block against the walls, not in the bot', async () => {
    const feet = bot.entity.position.floored()
    for (let dx = -1; dx <= 1; dx++) {
      for (let dz = -1; dz <= 1; dz++) {
        if (dx || dz) for (const dy of [0, 1]) await setBlockFixture(serv, feet.offset(dx, dy, dz), 'stone')
      }
    }
    await waitFor(() => bot.blockAt(feet.offset(1, 1, 1))?.name === 'stone', 5000, 'the shaft')
    const r = await run(bot, 'place:crafting_table', {}, { deadlineMs: 30000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    const pos = new Vec3(r.detail.position.x, r.detail.position.y, r.detail.position.z)
    assert.equal(await serverName(pos), 'crafting_table')
    assert.ok(pos.y >= feet.y + 2, `above the bot's head: ${pos} (feet ${feet})`)
    // clean up the stage
    for (let dx = -1; dx <= 1; dx++) {
      for (let dz = -1; dz <= 1; dz++) for (const dy of [0, 1, 2]) await serv.setBlock(serv.overworld, feet.offset(dx, dy, dz), 0)
    }
    await waitFor(() => bot.blockAt(feet.offset(1, 1, 1))?.name === 'air', 5000, 'the stage cleared')
  })

  await t.test('place without the item fails missing_items', async () => {
    const r = await run(bot, 'place:furnace', {}, { deadlineMs: 10000 })
    assert.equal(r.error?.kind, 'missing_items')
    assert.match(r.error.message, /furnace/)
  })
})
