'use strict'
// ensureStation (used by craft, smelt and enchant) through a real bot on the flat world: a station in range
// is walked to, one held is placed when none is in range, none at all is missing_items, an abort stops it; a
// bot boxed in by logs makes room (digs a log beside it) and still places its furnace.
const assert = require('node:assert/strict')
const { worldTest, clearInventory, giveFixture, setBlockFixture, serverPlayer, waitFor } = require('./test_world')
const { SkillError } = require('./errors')
const { ensureStation, placementSpots } = require('./stations')

worldTest('stations on the flat world', { timeout: 240000, world: 'flat', username: 'stationer', exitAfter: true }, async (t, { serv, bot }) => {
  const ctxFor = (controller = new AbortController()) => ({
    bot, registry: bot.registry, signal: controller.signal, progress () {}, log () {}, deadline: Date.now() + 60000
  })
  const serverName = async pos => (await serv.overworld.getBlock(pos)).name

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

  await t.test('a bot boxed in by oak logs (every cell within reach filled) still places its furnace', async () => {
    // Seen on seed 720018806: smelt failed 373 times in 10 ms with "no free spot next to the bot to place furnace".
    await clearInventory(serv, bot)
    await giveFixture(serv, bot, 'furnace', 1, 0)
    const feet = bot.entity.position.floored().offset(6, 0, -6) // away from the furnaces placed above
    serverPlayer(serv, bot).teleport(feet.offset(0.5, 0, 0.5))
    await waitFor(() => bot.entity.position.floored().equals(feet) && bot.entity.onGround, 5000, `the bot at ${feet}`)
    const box = []
    for (let dy = 0; dy <= 2; dy++) {
      for (let dx = -2; dx <= 2; dx++) {
        for (let dz = -2; dz <= 2; dz++) if (dx || dz || dy === 2) box.push(feet.offset(dx, dy, dz))
      }
    }
    for (const p of box) await setBlockFixture(serv, p, 'oak_log')
    await waitFor(() => box.every(p => bot.blockAt(p)?.name === 'oak_log'), 10000, 'the box of logs')
    assert.equal(placementSpots(bot).length, 0, 'no free cell next to the bot before it makes room')
    const progress = []
    const ctx = { ...ctxFor(), progress: m => progress.push(m) }
    const block = await ensureStation(ctx, 'furnace', { range: 2 })
    assert.equal(block.placed, true)
    assert.equal(await serverName(block.position), 'furnace')
    assert.ok(block.position.distanceTo(feet) <= 2, `placed beside the bot: ${block.position}`)
    assert.ok(progress.some(m => /no room to place furnace: digging oak_log/.test(m)), progress.join(' | '))
    assert.equal(bot.inventory.items().find(i => i.name === 'furnace'), undefined, 'the held furnace was used')
  })
})
