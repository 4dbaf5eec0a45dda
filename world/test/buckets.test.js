'use strict'
// Buckets through a real mineflayer bot: fill from water, pour next to lava (obsidian), fill with lava,
// and the inputs that must do nothing. Scenes are set up on the server directly (fixtures).
const test = require('node:test')
const assert = require('node:assert/strict')
const { startWorld, connectBot, serverPlayer, giveFixture, setBlockFixture, waitFor, countItems, stopWorld, Vec3 } = require('./helpers')

const BUCKETS = ['bucket', 'water_bucket', 'lava_bucket']
const WAIT = 10000 // generous: other servers may share the two cores
const bucketCount = window => BUCKETS.reduce((n, name) => n + countItems(window, name), 0)

test('buckets through the protocol', { timeout: 90000 }, async (t) => {
  const world = await startWorld({ seed: 5 })
  const { serv } = world
  const bot = await connectBot(world.port, 'bucketeer')
  const player = serverPlayer(serv, bot)
  const feet = bot.entity.position.floored()
  const at = (dx, dy, dz) => feet.offset(dx, dy, dz)
  const serverBlock = async pos => (await serv.overworld.getBlock(pos)).name
  const center = pos => pos.offset(0.5, 0.5, 0.5)
  const topOf = pos => pos.offset(0.5, 0.95, 0.5) // just under the top face: the ray enters from above

  async function scene (pos, name, level = 0) {
    const def = serv.registry.blocksByName[name]
    await setBlockFixture(serv, pos, name)
    if (level) await serv.setBlock(serv.overworld, pos, def.minStateId + level)
    await waitFor(() => bot.blockAt(pos)?.name === name, WAIT, `${name} at ${pos}`)
  }

  /** What a skill does: look at a point, right-click with the held item (use_item). */
  async function useAt (point) {
    await bot.lookAt(point, true)
    bot.activateItem()
    bot.deactivateItem()
  }

  async function settle () {
    await bot.waitForTicks(6)
  }

  // Stage, whatever the generator made here: a stone floor under the bot, open air above it.
  for (let dx = -7; dx <= 7; dx++) {
    for (let dz = -7; dz <= 7; dz++) {
      await serv.setBlock(serv.overworld, at(dx, -1, dz), serv.registry.blocksByName.stone.defaultState)
      for (let dy = 0; dy <= 3; dy++) await serv.setBlock(serv.overworld, at(dx, dy, dz), 0)
    }
  }
  await waitFor(() => bot.blockAt(at(7, -1, 7))?.name === 'stone' && bot.blockAt(at(-7, 3, -7))?.name === 'air', 5000, 'the stage')
  await waitFor(() => bot.entity.onGround, 5000, 'the bot to stand on the stage')

  const water = at(2, 0, 0)
  const lava = at(-2, 0, 0)
  const flowingLava = at(-2, 0, 2)
  const pourSpot = at(-2, 0, 1) // touches both lava blocks
  const lavaToFill = at(0, 0, -2)

  await t.test('an empty bucket fills from a water source, which becomes air', async () => {
    await scene(water, 'water')
    await giveFixture(serv, bot, 'bucket', 1, 0)
    await useAt(center(water))
    await waitFor(() => bot.inventory.slots[36]?.name === 'water_bucket', WAIT, 'water bucket in hand')
    await waitFor(() => bot.blockAt(water)?.name === 'air', WAIT, 'the source to go')
    assert.equal(await serverBlock(water), 'air')
    assert.equal(player.inventory.slots[36].name, 'water_bucket')
    assert.equal(bucketCount(bot.inventory), 1)
  })

  await t.test('water poured beside a lava source makes obsidian, beside flowing lava cobblestone', async () => {
    await scene(lava, 'lava')
    await scene(flowingLava, 'lava', 3)
    await useAt(topOf(pourSpot.offset(0, -1, 0)))
    await waitFor(() => bot.inventory.slots[36]?.name === 'bucket', WAIT, 'the bucket back')
    await waitFor(() => bot.blockAt(lava)?.name === 'obsidian', WAIT, 'obsidian')
    await waitFor(() => bot.blockAt(flowingLava)?.name === 'cobblestone', WAIT, 'cobblestone')
    assert.equal(bot.blockAt(pourSpot).name, 'water')
    assert.equal(await serverBlock(pourSpot), 'water')
    assert.equal(await serverBlock(lava), 'obsidian')
    assert.equal(bucketCount(bot.inventory), 1)
  })

  await t.test('an empty bucket fills from a lava source', async () => {
    await scene(lavaToFill, 'lava')
    await useAt(center(lavaToFill))
    await waitFor(() => bot.inventory.slots[36]?.name === 'lava_bucket', WAIT, 'lava bucket in hand')
    await waitFor(() => bot.blockAt(lavaToFill)?.name === 'air', WAIT, 'the lava to go')
    assert.equal(bucketCount(bot.inventory), 1)
  })

  await t.test('lava poured beside water becomes obsidian at once', async () => {
    const spot = pourSpot.offset(1, 0, 0) // east of the water poured earlier
    await useAt(topOf(spot.offset(0, -1, 0)))
    await waitFor(() => bot.inventory.slots[36]?.name === 'bucket', WAIT, 'the bucket back')
    await waitFor(() => bot.blockAt(spot)?.name === 'obsidian', WAIT, 'obsidian from poured lava')
    assert.equal(await serverBlock(spot), 'obsidian')
  })

  await t.test('flowing water cannot be picked up; the ray looks through it', async () => {
    const flowing = at(2, 0, 0)
    await scene(flowing, 'water', 2)
    await useAt(center(flowing))
    await settle()
    assert.equal(bot.inventory.slots[36]?.name, 'bucket')
    assert.equal(await serverBlock(flowing), 'water')
    await serv.setBlock(serv.overworld, flowing, 0)
  })

  await t.test('a bucket used at nothing, or at a solid block, does nothing', async () => {
    await useAt(bot.entity.position.offset(0, 10, 0)) // the sky
    await settle()
    await useAt(topOf(at(1, -1, 0))) // stone: not a source
    await settle()
    assert.equal(bot.inventory.slots[36]?.name, 'bucket')
    assert.equal(player.inventory.slots[36].name, 'bucket')
    assert.equal(await serverBlock(at(1, 0, 0)), 'air')
    assert.equal(await serverBlock(at(1, -1, 0)), 'stone')
  })

  await t.test('a full bucket aimed at the sky or out of reach stays full', async () => {
    await giveFixture(serv, bot, 'water_bucket', 1, 0)
    await useAt(bot.entity.position.offset(0, 10, 0))
    await useAt(topOf(at(6, -1, 0))) // 6 blocks away: past the 4.5-block reach
    await settle()
    assert.equal(player.inventory.slots[36].name, 'water_bucket')
    assert.equal(await serverBlock(at(6, 0, 0)), 'air')
  })

  await t.test('block_place with a bucket (activateBlock) does nothing, as in vanilla', async () => {
    const ground = bot.blockAt(at(1, -1, 1))
    await bot.activateBlock(ground, new Vec3(0, 1, 0))
    await settle()
    assert.equal(player.inventory.slots[36].name, 'water_bucket')
    assert.equal(await serverBlock(at(1, 0, 1)), 'air')
  })

  await t.test('an empty hand or another item does nothing', async () => {
    await scene(water, 'water')
    await serv.setBlock(serv.overworld, pourSpot, 0)
    player.inventory.updateSlot(36, null)
    await waitFor(() => !bot.inventory.slots[36], WAIT, 'empty hand')
    await useAt(center(water))
    await settle()
    assert.equal(await serverBlock(water), 'water')
    assert.equal(countItems(player.inventory), 0)

    await giveFixture(serv, bot, 'stone', 3, 0)
    await useAt(center(water))
    await settle()
    assert.equal(await serverBlock(water), 'water')
    assert.deepEqual(player.inventory.slots.filter(Boolean).map(s => [s.name, s.count]), [['stone', 3]])
  })

  await t.test('from a stack of buckets one is filled and the filled one goes to the inventory', async () => {
    await giveFixture(serv, bot, 'bucket', 3, 0)
    await useAt(center(water))
    await waitFor(() => countItems(bot.inventory, 'water_bucket') === 1, WAIT, 'a water bucket in the inventory')
    assert.equal(player.inventory.slots[36].name, 'bucket')
    assert.equal(player.inventory.slots[36].count, 2)
    assert.equal(bucketCount(player.inventory), 3)
    assert.equal(await serverBlock(water), 'air')
  })

  await t.test('a burst of use packets neither duplicates nor loses buckets', async () => {
    await scene(water, 'water')
    player.inventory.updateSlot(36, null)
    for (let s = 9; s < 45; s++) if (player.inventory.slots[s]) player.inventory.updateSlot(s, null)
    await giveFixture(serv, bot, 'bucket', 1, 0)
    await bot.lookAt(center(water), true)
    let uses = 0
    const onUse = () => uses++
    player._client.on('use_item', onUse)
    for (let i = 0; i < 7; i++) bot.activateItem() // fill, pour, fill, pour... in one go
    await waitFor(() => uses === 7, WAIT, 'the server to receive the uses')
    player._client.removeListener('use_item', onUse)
    await settle()
    assert.equal(bucketCount(player.inventory), 1)
    // an odd number of uses leaves the bucket full and the spot empty; pouring put the source back each time
    await waitFor(async () => player.inventory.slots[36]?.name === 'water_bucket' && await serverBlock(water) === 'air',
      WAIT, 'the last use (a fill) to be applied')
    assert.equal(bucketCount(player.inventory), 1)
    await waitFor(() => bot.inventory.slots[36]?.name === 'water_bucket', WAIT, 'client and server to agree')
  })

  await t.test('water goes into a waterloggable block, and a bucket takes it back out', async () => {
    const slab = at(0, 0, 2)
    await scene(slab, 'oak_slab')
    const waterlogged = () => bot.blockAt(slab)?.getProperties().waterlogged
    assert.equal(waterlogged(), false)
    await useAt(slab.offset(0.5, 0.25, 0.5))
    await waitFor(() => waterlogged() === true, WAIT, 'a waterlogged slab')
    assert.equal(player.inventory.slots[36].name, 'bucket')
    assert.equal(await serverBlock(slab.offset(0, 1, 0)), 'air') // not beside it
    await useAt(slab.offset(0.5, 0.25, 0.5))
    await waitFor(() => waterlogged() === false, WAIT, 'the slab to be drained')
    assert.equal(player.inventory.slots[36].name, 'water_bucket')
    assert.equal(bot.blockAt(slab).name, 'oak_slab')
  })

  await t.test('malformed use packets are ignored and the server stays up', async () => {
    const before = player.inventory.slots[36].name
    bot._client.write('use_item', { hand: 7, sequence: 1, rotation: { x: 0, y: 90 } })
    bot._client.write('use_item', { hand: 0, sequence: 2, rotation: { x: NaN, y: Infinity } })
    bot._client.write('use_item', { hand: 0, sequence: 3, rotation: { x: 1e30, y: -1e30 } })
    await settle()
    assert.equal(player.inventory.slots[36].name, before)
    assert.equal(bucketCount(player.inventory), 1)
    assert.ok(serv.players.includes(player))
  })

  await stopWorld(world, bot)
  // flying-squid opens a console (readline on stdin) when it loads; under `node --test` stdin is a pipe that
  // never closes, and it would keep this process alive after the test.
  process.stdin.unref?.()
})
