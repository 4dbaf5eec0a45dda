'use strict'
// place:<block> and ensureStation (used by craft, smelt and enchant) through a real bot on the flat world.
const test = require('node:test')
const assert = require('node:assert/strict')
const { setup, run, clearInventory, giveFixture, setBlockFixture, stopWorld, parseSkill, waitFor, Vec3 } = require('./skill_helpers')
const { SkillError, SkillInputError } = require('../runtime/errors')
const { ensureStation } = require('../runtime/stations')

test('place and stations on the flat world', { timeout: 170000 }, async (t) => {
  const { world, serv, bot } = await setup({ world: 'flat', username: 'placer' })
  t.after(async () => {
    await stopWorld(world, bot)
    process.stdin.unref?.()
    setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref()
  })
  const ctxFor = (controller = new AbortController()) => ({
    bot, registry: bot.registry, signal: controller.signal, progress () {}, log () {}, deadline: Date.now() + 60000
  })
  const serverName = async pos => (await serv.overworld.getBlock(pos)).name

  await t.test('targets: block items only', () => {
    parseSkill('place:crafting_table', {}, bot.registry)
    parseSkill('place:cobblestone', {}, bot.registry)
    for (const token of ['place:water', 'place:air', 'place:stick', 'place:nope', 'place']) {
      assert.throws(() => parseSkill(token, {}, bot.registry), e => e instanceof SkillInputError, token)
    }
  })

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

  await t.test('ensureStation: none around and none held is missing_items', async () => {
    await assert.rejects(ensureStation(ctxFor(), 'enchanting_table'), e => e instanceof SkillError && e.kind === 'missing_items' && /enchanting_table/.test(e.message))
  })

  await t.test('ensureStation walks to a furnace 12 blocks away instead of placing one', async () => {
    await clearInventory(serv, bot)
    await giveFixture(serv, bot, 'furnace', 1, 0)
    const far = bot.entity.position.floored().offset(12, 0, 3)
    await setBlockFixture(serv, far, 'furnace')
    await waitFor(() => bot.blockAt(far)?.name === 'furnace', 5000, 'the furnace fixture')
    const block = await ensureStation(ctxFor(), 'furnace')
    assert.ok(block.position.equals(far), `${block.position}`)
    assert.equal(block.placed, false)
    const eyes = bot.entity.position.offset(0, 1.62, 0)
    assert.ok(eyes.distanceTo(far.offset(0.5, 0.5, 0.5)) <= 5, `within reach: ${eyes.distanceTo(far.offset(0.5, 0.5, 0.5))}`)
    assert.equal(bot.inventory.items().find(i => i.name === 'furnace')?.count, 1, 'the held furnace is kept')
  })

  await t.test('ensureStation places a held station when none is in range; abort stops it', async () => {
    const block = await ensureStation(ctxFor(), 'furnace', { range: 2 })
    assert.equal(block.placed, true)
    assert.equal(await serverName(block.position), 'furnace')
    const controller = new AbortController()
    controller.abort(new SkillError('cancelled', 'x'))
    await assert.rejects(ensureStation(ctxFor(controller), 'furnace'), e => e.kind === 'cancelled')
  })
})
