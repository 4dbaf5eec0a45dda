'use strict'
// smelt, fill_bucket, make_obsidian and enchant through a real bot on the flat world. Scenes (items, fluid
// sources, XP) are fixtures set on the server; the skills act only through the protocol.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const { setup, run, clearInventory, giveFixture, setBlockFixture, stopWorld, serverPlayer, parseSkill, inventoryCounts, waitFor, Vec3 } = require('./skill_helpers')
const { SkillError, SkillInputError } = require('../runtime/errors')
const { pointsAtLevel } = require(path.join(__dirname, '..', '..', 'bridge', 'server', 'plugins', 'experience.js'))

test('process skills on the flat world', { timeout: 300000 }, async (t) => {
  const { world, serv, bot } = await setup({ world: 'flat', username: 'processor' })
  const player = serverPlayer(serv, bot)
  t.after(async () => {
    await stopWorld(world, bot)
    process.stdin.unref?.()
    setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref()
  })
  const origin = bot.entity.position.floored() // feet; the ground (grass) is at y - 1
  const serverName = async pos => (await serv.overworld.getBlock(pos)).name
  async function scene (pos, name) {
    await setBlockFixture(serv, pos, name)
    await waitFor(() => bot.blockAt(pos)?.name === name, 5000, `${name} at ${pos}`)
  }

  await t.test('targets', () => {
    parseSkill('smelt:iron_ingot', { count: 2 }, bot.registry)
    parseSkill('smelt:glass', {}, bot.registry)
    parseSkill('smelt:charcoal', {}, bot.registry)
    parseSkill('fill_bucket:lava', {}, bot.registry)
    parseSkill('make_obsidian', {}, bot.registry)
    parseSkill('enchant:diamond_pickaxe', {}, bot.registry)
    for (const token of ['smelt:raw_iron', 'smelt:diamond_sword', 'fill_bucket:milk', 'make_obsidian:lava', 'enchant:stick', 'enchant:dirt']) {
      assert.throws(() => parseSkill(token, {}, bot.registry), e => e instanceof SkillInputError, token)
    }
  })

  await t.test('missing inputs, fuel, bucket and sources fail with the right kind at once', async () => {
    await clearInventory(serv, bot)
    let r = await run(bot, 'smelt:iron_ingot', {}, { deadlineMs: 10000 })
    assert.equal(r.error?.kind, 'missing_items')
    assert.match(r.error.message, /raw_iron/)
    await giveFixture(serv, bot, 'oak_log', 4, 0)
    r = await run(bot, 'smelt:charcoal', { count: 2 }, { deadlineMs: 10000 })
    assert.equal(r.error?.kind, 'missing_items', 'the log being smelted is not burnt')
    assert.match(r.error.message, /fuel/)
    r = await run(bot, 'fill_bucket:water', {}, { deadlineMs: 10000 })
    assert.equal(r.error?.kind, 'missing_items')
    await giveFixture(serv, bot, 'bucket', 1, 1)
    r = await run(bot, 'fill_bucket:water', {}, { deadlineMs: 10000 })
    assert.equal(r.error?.kind, 'not_found')
    r = await run(bot, 'make_obsidian', {}, { deadlineMs: 10000 })
    assert.equal(r.error?.kind, 'missing_items')
    assert.match(r.error.message, /water_bucket/)
    r = await run(bot, 'enchant:diamond_sword', {}, { deadlineMs: 10000 })
    assert.equal(r.error?.kind, 'missing_items')
    assert.deepEqual(r.inventory_delta, {})
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

  await t.test('make_obsidian on a lava pool surface: a block to pour against, obsidian, the water back', async () => {
    await giveFixture(serv, bot, 'dirt', 4, 5)
    const lava = origin.offset(-6, -1, -3)
    await scene(lava, 'lava')
    const r = await run(bot, 'make_obsidian', {}, { deadlineMs: 60000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.equal(await serverName(lava), 'obsidian')
    assert.deepEqual(r.detail.obsidian, { x: lava.x, y: lava.y, z: lava.z })
    assert.equal(r.detail.water_recovered, true)
    assert.deepEqual(r.inventory_delta, { dirt: -1 })
    assert.equal(inventoryCounts(bot).water_bucket, 1)
  })

  await t.test('make_obsidian with lava on open ground pours beside it', async () => {
    const lava = origin.offset(-3, 0, 6)
    await scene(lava, 'lava')
    const r = await run(bot, 'make_obsidian', {}, { deadlineMs: 60000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.equal(await serverName(lava), 'obsidian')
    assert.equal(r.detail.water_recovered, true)
    assert.equal(r.detail.placed_block, null)
    assert.deepEqual(r.inventory_delta, {})
    // no water left anywhere around it
    for (let dx = -1; dx <= 1; dx++) for (let dz = -1; dz <= 1; dz++) assert.notEqual(await serverName(lava.offset(dx, 0, dz)), 'water')
  })

  await t.test('make_obsidian at a 3x3 lava pool turns an edge source into obsidian', async () => {
    const corner = origin.offset(-8, -1, 4)
    for (let dx = 0; dx < 3; dx++) for (let dz = 0; dz < 3; dz++) await setBlockFixture(serv, corner.offset(dx, 0, dz), 'lava')
    await waitFor(() => bot.blockAt(corner.offset(2, 0, 2))?.name === 'lava', 5000, 'the pool')
    const r = await run(bot, 'make_obsidian', {}, { deadlineMs: 60000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    const o = r.detail.obsidian
    assert.equal(await serverName(new Vec3(o.x, o.y, o.z)), 'obsidian')
    assert.equal(r.detail.water_recovered, true)
    assert.equal(inventoryCounts(bot).water_bucket, 1)
  })

  await t.test('fill_bucket:lava takes a lava source from the pool', async () => {
    await giveFixture(serv, bot, 'bucket', 1, 6)
    const r = await run(bot, 'fill_bucket:lava', {}, { deadlineMs: 40000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.deepEqual(r.inventory_delta, { bucket: -1, lava_bucket: 1 })
    const s = r.detail.source
    assert.equal(await serverName(new Vec3(s.x, s.y, s.z)), 'air')
    assert.ok(bot.entity.position.y >= origin.y - 0.01, 'the bot did not go into the pool')
  })

  // Lakes as the generator makes them at depth: the lava surface below the floor around it, or behind rock.
  async function clearLava () {
    for (let dx = -16; dx <= 16; dx++) {
      for (let dz = -16; dz <= 16; dz++) {
        for (let y = origin.y - 4; y <= origin.y + 2; y++) {
          const pos = new Vec3(origin.x + dx, y, origin.z + dz)
          if (await serverName(pos) === 'lava') await setBlockFixture(serv, pos, 'stone')
        }
      }
    }
  }
  async function fill (from, to, name) {
    for (let x = from.x; x <= to.x; x++) {
      for (let y = from.y; y <= to.y; y++) for (let z = from.z; z <= to.z; z++) await setBlockFixture(serv, new Vec3(x, y, z), name)
    }
    await waitFor(() => bot.blockAt(to)?.name === name, 5000, `${name} at ${to}`)
  }
  /** Watch the bot while `run` goes: its feet and the block under them are never lava, it takes no damage. */
  async function watched (running) {
    const unsafe = []
    const check = () => {
      const feet = bot.entity.position.floored()
      for (const p of [feet, feet.offset(0, -1, 0)]) if (bot.blockAt(p)?.name === 'lava') unsafe.push(p.toString())
    }
    bot.on('move', check)
    try {
      return { r: await running, unsafe }
    } finally {
      bot.removeListener('move', check)
    }
  }

  await t.test('make_obsidian at a 5x5 lava pool one block below the floor, then mine:obsidian gets it', { timeout: 90000 }, async () => {
    await clearLava()
    await clearInventory(serv, bot)
    await giveFixture(serv, bot, 'water_bucket', 1, 0)
    await giveFixture(serv, bot, 'diamond_pickaxe', 1, 1)
    await giveFixture(serv, bot, 'cobblestone', 16, 2)
    const a = origin.offset(2, -2, -10)
    const b = origin.offset(6, -2, -6)
    await fill(a.offset(0, 1, 0), b.offset(0, 1, 0), 'air') // the pool's surface is one block below the floor
    await fill(a, b, 'lava')
    const health = bot.health
    const { r, unsafe } = await watched(run(bot, 'make_obsidian', {}, { deadlineMs: 80000 }))
    assert.ok(r.ok, JSON.stringify(r.error))
    const o = new Vec3(r.detail.obsidian.x, r.detail.obsidian.y, r.detail.obsidian.z)
    assert.equal(await serverName(o), 'obsidian')
    assert.ok(o.x >= a.x && o.x <= b.x && o.z >= a.z && o.z <= b.z && o.y === a.y, `obsidian at ${o} is in the pool`)
    assert.equal(r.detail.water_recovered, true)
    assert.equal(inventoryCounts(bot).water_bucket, 1)
    assert.equal(inventoryCounts(bot).bucket, undefined)
    assert.deepEqual(unsafe, [])
    assert.equal(bot.health, health)
    // what the expert does next: the obsidian is within reach of a plain mine
    const m = await run(bot, 'mine:obsidian', {}, { deadlineMs: 40000 })
    assert.ok(m.ok, JSON.stringify(m.error))
    assert.equal(m.inventory_delta.obsidian, 1)
  })

  await t.test('make_obsidian at a lava lake behind a 1-block stone wall digs through it', { timeout: 90000 }, async () => {
    await clearLava()
    const a = origin.offset(-10, -1, 6)
    const b = origin.offset(-6, -1, 10)
    await fill(a.offset(-1, 0, -1), b.offset(1, 3, 1), 'stone') // a wall ring four blocks high around the lake
    await fill(a, b, 'lava')
    await fill(a.offset(0, 1, 0), b.offset(0, 3, 0), 'air')
    const health = bot.health
    const { r, unsafe } = await watched(run(bot, 'make_obsidian', {}, { deadlineMs: 80000 }))
    assert.ok(r.ok, JSON.stringify(r.error))
    const o = new Vec3(r.detail.obsidian.x, r.detail.obsidian.y, r.detail.obsidian.z)
    assert.equal(await serverName(o), 'obsidian')
    assert.ok(o.x >= a.x && o.x <= b.x && o.z >= a.z && o.z <= b.z, `obsidian at ${o} is in the lake`)
    assert.ok(r.detail.dug >= 1, 'the wall was dug')
    assert.equal(r.detail.water_recovered, true)
    assert.equal(inventoryCounts(bot).water_bucket, 1)
    assert.deepEqual(unsafe, [])
    assert.equal(bot.health, health)
    // a second call makes another one
    const again = await run(bot, 'make_obsidian', {}, { deadlineMs: 60000 })
    assert.ok(again.ok, JSON.stringify(again.error))
    assert.notDeepEqual(again.detail.obsidian, r.detail.obsidian)
    assert.equal(await serverName(new Vec3(again.detail.obsidian.x, again.detail.obsidian.y, again.detail.obsidian.z)), 'obsidian')
    assert.equal(inventoryCounts(bot).water_bucket, 1)
    await clearLava()
  })

  await t.test('smelt:iron_ingot count 2 places a furnace and smelts with coal', { timeout: 70000 }, async () => {
    await clearInventory(serv, bot)
    await giveFixture(serv, bot, 'raw_iron', 2, 0)
    await giveFixture(serv, bot, 'coal', 3, 1)
    await giveFixture(serv, bot, 'furnace', 1, 2)
    const r = await run(bot, 'smelt:iron_ingot', { count: 2 }, { deadlineMs: 60000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    assert.deepEqual(r.inventory_delta, { raw_iron: -2, coal: -1, furnace: -1, iron_ingot: 2 })
    assert.equal(r.detail.smelted, 2)
    assert.equal(r.detail.furnace_placed, true)
    assert.ok(r.ticks >= 380, `two items take 400 ticks, took ${r.ticks}`)
    await waitFor(() => player.windows.container === null, 5000, 'the furnace window to close')
  })

  await t.test('cancelling a smelt closes the furnace window and reports cancelled', { timeout: 40000 }, async () => {
    await giveFixture(serv, bot, 'raw_iron', 3, 0)
    const controller = new AbortController()
    const running = run(bot, 'smelt:iron_ingot', { count: 3 }, { controller, deadlineMs: 60000 })
    await waitFor(() => player.windows.container !== null && bot.currentWindow, 15000, 'the furnace window to open')
    await new Promise(resolve => setTimeout(resolve, 1500))
    controller.abort(new SkillError('cancelled', 'x'))
    const r = await running
    assert.equal(r.ok, false)
    assert.equal(r.error.kind, 'cancelled')
    await waitFor(() => player.windows.container === null, 5000, 'the server to close the window')
    assert.equal(bot.currentWindow, null)
  })

  await t.test('after a cancel, smelt finishes what the furnace holds; the deadline hands over what is done', { timeout: 40000 }, async () => {
    // the cancelled smelt left 3 raw_iron in the furnace; the inventory holds none
    assert.equal(inventoryCounts(bot).raw_iron, undefined)
    const r = await run(bot, 'smelt:iron_ingot', { count: 3 }, { deadlineMs: 14000 })
    assert.equal(r.ok, false)
    assert.equal(r.error.kind, 'deadline', r.error.message)
    // about one item is done by then (10 s each, the furnace kept cooking after the cancel); a slow server may do less
    const done = Number(/smelted (\d) of 3/.exec(r.error.message)?.[1])
    assert.ok(done >= 0 && done <= 2, r.error.message)
    assert.equal(r.inventory_delta.iron_ingot || 0, done, JSON.stringify(r.inventory_delta))
    await waitFor(() => player.windows.container === null, 5000, 'the furnace window to close')
  })

  await t.test('enchant:diamond_sword places the table, spends lapis and levels, the sword is enchanted', { timeout: 40000 }, async () => {
    await clearInventory(serv, bot)
    await giveFixture(serv, bot, 'diamond_sword', 1, 0)
    await giveFixture(serv, bot, 'lapis_lazuli', 5, 1)
    await giveFixture(serv, bot, 'enchanting_table', 1, 2)
    let r = await run(bot, 'enchant:diamond_sword', {}, { deadlineMs: 20000 })
    assert.equal(r.error?.kind, 'failed', 'no XP levels yet')
    assert.match(r.error.message, /XP level/)
    player.giveXp(pointsAtLevel(10)) // fixture: ten levels
    await waitFor(() => bot.experience.level === 10, 5000, 'ten levels')
    r = await run(bot, 'enchant:diamond_sword', {}, { deadlineMs: 30000 })
    assert.ok(r.ok, JSON.stringify(r.error))
    const option = r.detail.option
    assert.ok(option >= 1 && option <= 3)
    assert.deepEqual(r.inventory_delta, { enchanting_table: -1, lapis_lazuli: -option })
    await waitFor(() => bot.experience.level === 10 - option, 5000, `level ${10 - option}`)
    const sword = bot.inventory.items().find(i => i.name === 'diamond_sword')
    const comp = sword.components.find(c => c.type === 'enchantments')
    assert.ok(comp?.data?.enchantments?.length >= 1, 'the sword carries enchantments')
    assert.equal(comp.data.enchantments.length, r.detail.enchantments.length)
    const serverSword = player.inventory.slots.find(i => i?.name === 'diamond_sword')
    assert.ok(serverSword.components.find(c => c.type === 'enchantments').data.enchantments.length >= 1, 'the server agrees')
    await waitFor(() => player.windows.container === null, 5000, 'the table window to close')
    // an enchanted sword is not enchanted again
    r = await run(bot, 'enchant:diamond_sword', {}, { deadlineMs: 10000 })
    assert.equal(r.error?.kind, 'failed')
    assert.match(r.error.message, /already enchanted/)
  })
})
