'use strict'
// Block rules: dig time, harvest tools, drops and their chances, tool durability, item entities on the
// ground, XP from ores. Each check builds its scene in a fresh sky arena (fixtures), then digs with
// bot.dig / collectblock and compares the server's state with the bot's.
const { expect, sleep, waitFor, onceWithin, within, tally, formatTally } = require('./util')
const { expectInventoriesAgree, serverTally, countIn, damageOf } = require('./inventory_view')
const { levelForPoints } = require('./fixtures')
const { digTimeMs } = require('./vanilla')

const SETTLE_MS = 1500 // drops pop, fall and land within this

/** Hold `name` (given as a fixture in hotbar slot 0). */
async function hold (ctx, name, opts) {
  const { bot, fx } = ctx
  fx.give(bot, 36, name, 1, opts)
  await waitFor(() => bot.inventory.slots[36]?.name === name, 3000, `the bot to see ${name} in its hotbar`)
  bot.setQuickBarSlot(0)
  await waitFor(() => fx.playerOf(bot).heldItemSlot === 0, 2000, 'the server to see hotbar slot 0 selected')
}

/** bot.dig the block at `pos`; returns seconds taken. */
async function dig (ctx, pos, what = 'dig') {
  const block = ctx.bot.blockAt(pos)
  expect(block && block.name !== 'air', `bot sees no block at ${pos} to ${what}`)
  const t0 = Date.now()
  await within(ctx.bot.dig(block, true), 30000, `bot.dig(${block.name})`)
  return (Date.now() - t0) / 1000
}

let digSequence = 20000

/**
 * Dig the way a vanilla client does: start, keep digging for `fraction` of the vanilla dig time for the held
 * tool, finish. Used where mineflayer's own timing is off (minecraft-data 1.21.4 tags ores and obsidian
 * 'incorrect_for_wooden_tool', so prismarine-block ignores the pickaxe: obsidian takes 75 s instead of 9.4 s).
 */
async function vanillaDig (ctx, pos, toolName, fraction = 1) {
  const { bot } = ctx
  const block = bot.blockAt(pos)
  expect(block && block.name !== 'air', `bot sees no block at ${pos} to dig`)
  const ms = digTimeMs(ctx.registry, ctx.registry.blocksByName[block.name], toolName)
  await bot.lookAt(pos.offset(0.5, 0.5, 0.5), true)
  bot._client.write('block_dig', { status: 0, location: pos, face: 1, sequence: digSequence++ })
  bot.swingArm()
  await sleep(fraction >= 1 ? ms * fraction + 100 : ms * fraction)
  bot._client.write('block_dig', { status: 2, location: pos, face: 1, sequence: digSequence++ })
  return ms
}

/** Everything in the arena: the server's inventory plus what lies on the arena floor. */
function arenaTotals (ctx, arena) {
  const ground = ctx.fx.groundItems(arena.center.offset(0.5, 1, 0.5))
  const inv = serverTally(ctx.fx.playerOf(ctx.bot))
  const all = { ...inv }
  for (const g of ground) all[g.name] = (all[g.name] || 0) + g.count
  return { inv, ground: tally(ground), all }
}

async function expectBlockGone (ctx, pos, name) {
  await waitFor(async () => (await ctx.fx.blockName(pos)) === 'air', 2000, `the server to remove the dug ${name}`)
  await waitFor(() => ctx.bot.blockAt(pos)?.name === 'air', 2000, `the bot to see the ${name} gone`)
}

async function stoneByHand (ctx) {
  const { bot, fx } = ctx
  const arena = await fx.arena(bot)
  const pos = arena.at(1, 1, 0)
  await fx.place(bot, pos, 'stone')
  const seconds = await dig(ctx, pos)
  await expectBlockGone(ctx, pos, 'stone')
  await sleep(SETTLE_MS)
  const totals = arenaTotals(ctx, arena)
  expect(Object.keys(totals.all).length === 0, `stone dug by hand dropped ${formatTally(totals.all)} (vanilla: nothing)`)
  expect(seconds >= 7.5 * 0.7, `digging stone by hand took ${seconds.toFixed(2)} s (vanilla 7.5 s)`)
  return `${seconds.toFixed(2)} s, nothing dropped`
}

async function stoneWoodenPickaxe (ctx) {
  const { bot, fx } = ctx
  const arena = await fx.arena(bot)
  await hold(ctx, 'wooden_pickaxe')
  const pos = arena.at(2, 1, 0)
  await fx.place(bot, pos, 'stone')
  const player = fx.playerOf(bot)
  // collectblock: equips the right tool, digs, and walks over the drop.
  await within(bot.collectBlock.collect(bot.blockAt(pos)), 20000, 'collectBlock.collect(stone)')
  await expectBlockGone(ctx, pos, 'stone')
  await waitFor(() => countIn(serverTally(player), 'cobblestone') === 1, 5000, 'cobblestone in the server inventory')
    .catch(() => expect(false, `after collecting, server inventory has ${formatTally(serverTally(player))}, ground ${formatTally(arenaTotals(ctx, arena).ground)}`))
  await expectInventoriesAgree(player, bot, ctx.registry, 3000, 'after collecting cobblestone')
  const pick = player.inventory.slots[36]
  expect(pick?.name === 'wooden_pickaxe' && damageOf(pick) === 1, `wooden pickaxe durability used ${pick ? damageOf(pick) : 'gone'} after one stone (vanilla 1)`)
  // Dig time with the right tool: 1.15 s in vanilla.
  const pos2 = arena.at(1, 1, 1)
  await fx.place(bot, pos2, 'stone')
  const seconds = await dig(ctx, pos2)
  await expectBlockGone(ctx, pos2, 'stone')
  expect(seconds < 3, `digging stone with a wooden pickaxe took ${seconds.toFixed(2)} s (vanilla 1.15 s)`)
  await waitFor(() => damageOf(player.inventory.slots[36]) === 2, 2000, 'pickaxe durability used 2 after two stones')
  await expectInventoriesAgree(player, bot, ctx.registry, 3000, 'after the second dig')
  return `cobblestone collected, durability used 1 then 2, dig ${seconds.toFixed(2)} s`
}

async function tooFastRejected (ctx) {
  const { bot, fx } = ctx
  const arena = await fx.arena(bot)
  await hold(ctx, 'wooden_pickaxe')
  const pos = arena.at(1, 1, 0)
  await fx.place(bot, pos, 'stone')
  // A cheating client: start and finish in the same instant (vanilla needs 1.15 s with this pickaxe).
  let sequence = 9000
  bot._client.write('block_dig', { status: 0, location: pos, face: 1, sequence: sequence++ })
  bot._client.write('block_dig', { status: 2, location: pos, face: 1, sequence: sequence++ })
  await sleep(SETTLE_MS)
  expect((await fx.blockName(pos)) === 'stone', `instant dig accepted: server block is now ${await fx.blockName(pos)}`)
  const totals = arenaTotals(ctx, arena)
  expect(countIn(totals.all, 'cobblestone') === 0, `instant dig dropped ${formatTally(totals.all)}`)
  expect(bot.blockAt(pos)?.name === 'stone', `bot sees ${bot.blockAt(pos)?.name} after the rejected dig`)
  // A finish 200 ms after the start is still too fast.
  bot._client.write('block_dig', { status: 0, location: pos, face: 1, sequence: sequence++ })
  await sleep(200)
  bot._client.write('block_dig', { status: 2, location: pos, face: 1, sequence: sequence++ })
  await sleep(500)
  expect((await fx.blockName(pos)) === 'stone', 'a dig finished after 200 ms (vanilla 1.15 s) was accepted')
  // The honest dig still works.
  await dig(ctx, pos)
  await expectBlockGone(ctx, pos, 'stone')
  return 'instant and 200 ms digs refused, honest dig accepted'
}

/** Dig `blockName` with `tool`; returns what the arena gained. */
async function digWith (ctx, arena, tool, blockName, pos, { vanillaTiming = false } = {}) {
  const { bot, fx } = ctx
  if (tool) await hold(ctx, tool)
  else fx.clearInventory(bot)
  const before = arenaTotals(ctx, arena).all
  await fx.place(bot, pos, blockName)
  const seconds = vanillaTiming ? (await vanillaDig(ctx, pos, tool)) / 1000 : await dig(ctx, pos, `dig ${blockName}`)
  await expectBlockGone(ctx, pos, blockName)
  await sleep(SETTLE_MS)
  const after = arenaTotals(ctx, arena).all
  const gained = {}
  for (const [k, v] of Object.entries(after)) if (v - (before[k] || 0) > 0 && k !== tool) gained[k] = v - (before[k] || 0)
  return { gained, seconds }
}

function harvestTier (blockName, weakTool, goodTool, drop) {
  return async ctx => {
    const arena = await ctx.fx.arena(ctx.bot)
    // The weak tool digs for the vanilla time (mineflayer would wait twice as long, see vanillaDig).
    const weak = await digWith(ctx, arena, weakTool, blockName, arena.at(1, 1, 0), { vanillaTiming: true })
    expect(Object.keys(weak.gained).length === 0, `${blockName} with ${weakTool} dropped ${formatTally(weak.gained)} (vanilla: nothing)`)
    const good = await digWith(ctx, arena, goodTool, blockName, arena.at(1, 1, 1))
    expect(good.gained[drop] >= 1, `${blockName} with ${goodTool} dropped ${formatTally(good.gained)} (vanilla: ${drop})`)
    return `${weakTool}: nothing (${weak.seconds.toFixed(1)} s); ${goodTool}: ${formatTally(good.gained)} (${good.seconds.toFixed(1)} s)`
  }
}

async function obsidian (ctx) {
  const arena = await ctx.fx.arena(ctx.bot)
  // A vanilla client finishes after 9.4 s; bot.dig would wait 75 s (see vanillaDig).
  const got = await digWith(ctx, arena, 'diamond_pickaxe', 'obsidian', arena.at(1, 1, 0), { vanillaTiming: true })
  expect(got.gained.obsidian === 1, `obsidian dug with a diamond pickaxe for the vanilla ${got.seconds} s dropped ${formatTally(got.gained)}`)
  return `obsidian×1 after ${got.seconds} s (vanilla time)`
}

async function vanillaDigTimes (ctx) {
  const { bot, fx } = ctx
  const arena = await fx.arena(bot)
  const cases = [['iron_ore', 'stone_pickaxe', true], ['diamond_ore', 'iron_pickaxe', true], ['dirt', null, false], ['oak_log', null, false], ['stone', 'wooden_pickaxe', true]]
  const seen = []
  let i = 0
  for (const [name, tool, tryEarly] of cases) {
    const pos = arena.at(1 + (i % 2), 1, (i >> 1) - 1)
    i++
    if (tool) await hold(ctx, tool)
    else fx.clearInventory(bot)
    await fx.place(bot, pos, name)
    if (tryEarly) {
      await vanillaDig(ctx, pos, tool, 0.5)
      await sleep(300)
      expect((await fx.blockName(pos)) === name, `${name} with ${tool || 'hand'} was accepted after half the vanilla time`)
    }
    const ms = await vanillaDig(ctx, pos, tool)
    await waitFor(async () => (await fx.blockName(pos)) === 'air', 2000, 'the block to break')
      .catch(() => expect(false, `${name} with ${tool || 'hand'} refused after the vanilla ${ms / 1000} s (server dig-time rules differ from vanilla)`))
    seen.push(`${name}/${tool || 'hand'} ${ms / 1000} s`)
  }
  return `accepted at vanilla times: ${seen.join(', ')}; half-time digs refused`
}

async function leafDropChances (ctx) {
  const { bot, fx } = ctx
  const arena = await fx.arena(bot)
  const spots = []
  for (const dy of [1, 2]) for (let dx = -1; dx <= 1; dx++) for (let dz = -1; dz <= 1; dz++) if (dx || dz) spots.push([dx, dy, dz])
  for (let dx = -2; dx <= 2; dx += 4) for (let dz = -2; dz <= 2; dz++) spots.push([dx, 1, dz])
  const leaves = spots.slice(0, 24)
  for (const [dx, dy, dz] of leaves) await fx.setBlock(arena.at(dx, dy, dz), 'oak_leaves', { persistent: true, distance: 1, waterlogged: false })
  await waitFor(() => leaves.every(([dx, dy, dz]) => bot.blockAt(arena.at(dx, dy, dz))?.name === 'oak_leaves'), 3000, 'the bot to see the leaves')
  for (const [dx, dy, dz] of leaves) {
    await dig(ctx, arena.at(dx, dy, dz))
  }
  await sleep(SETTLE_MS)
  const got = arenaTotals(ctx, arena).all
  const saplings = countIn(got, 'oak_sapling')
  const items = Object.values(got).reduce((a, b) => a + b, 0)
  const detail = `${leaves.length} oak leaves by hand dropped ${formatTally(got)}`
  expect(countIn(got, 'oak_leaves') === 0, `${detail} (leaves need shears or silk touch)`)
  // Vanilla: sapling 5%, stick 2% (1-2), apple 0.5% per leaf; P(more than 8 saplings of 24) < 1e-6.
  expect(saplings <= 8 && items <= 12, `${detail} (vanilla: sapling 1 in 20, stick 1 in 50, apple 1 in 200)`)
  return detail
}

async function toolBreaks (ctx) {
  const { bot, fx } = ctx
  const arena = await fx.arena(bot)
  const max = ctx.registry.itemsByName.wooden_pickaxe.maxDurability
  await hold(ctx, 'wooden_pickaxe', { damage: max - 1 })
  await waitFor(() => damageOf(bot.inventory.slots[36]) === max - 1, 2000, 'the bot to see the worn pickaxe')
  const pos = arena.at(1, 1, 0)
  await fx.place(bot, pos, 'stone')
  await dig(ctx, pos)
  await expectBlockGone(ctx, pos, 'stone')
  const player = fx.playerOf(bot)
  await waitFor(() => !player.inventory.slots[36], 2000, 'the pickaxe to break on its last use')
    .catch(() => expect(false, `pickaxe with ${max - 1}/${max} used survived another dig: ${damageOf(player.inventory.slots[36])} used`))
  await waitFor(() => !bot.inventory.slots[36], 2000, 'the bot to see its pickaxe gone')
  await sleep(SETTLE_MS)
  const got = arenaTotals(ctx, arena).all
  expect(countIn(got, 'cobblestone') === 1, `the breaking dig dropped ${formatTally(got)} (vanilla: cobblestone)`)
  return `pickaxe broke at ${max}/${max}; cobblestone dropped`
}

async function groundItems (ctx) {
  const { bot, fx } = ctx
  const arena = await fx.arena(bot)
  const player = fx.playerOf(bot)
  // A dug block's drop is an item entity the bot can identify.
  const pos = arena.at(2, 1, 0)
  await fx.place(bot, pos, 'dirt')
  const dropSeen = onceWithin(bot, 'itemDrop', 5000)
  await dig(ctx, pos)
  const [entity] = await dropSeen.catch(() => [null])
  expect(entity, 'no itemDrop event after digging dirt (item entity without its item metadata?)')
  const dropped = entity.getDroppedItem()
  expect(dropped?.name === 'dirt' && dropped.count === 1, `bot sees the drop as ${dropped ? `${dropped.name}×${dropped.count}` : 'unknown'} (expected dirt×1)`)
  await within(bot.collectBlock.collect(entity), 15000, 'collectBlock.collect(dirt item)')
  await waitFor(() => countIn(serverTally(player), 'dirt') === 1, 3000, 'dirt in the server inventory')
  // Tossing: the stack leaves the inventory, lies on the ground as what it is, and can be picked up again.
  fx.give(bot, 37, 'cobblestone', 5)
  await waitFor(() => bot.inventory.slots[37]?.count === 5, 3000, 'the bot to see 5 cobblestone')
  // mineflayer's toss drops a partial stack one item per click, so up to three entities appear.
  const tossed = []
  const onToss = e => { if (e.getDroppedItem()?.name === 'cobblestone') tossed.push(e) }
  bot.on('itemDrop', onToss)
  try {
    await within(bot.toss(ctx.registry.itemsByName.cobblestone.id, null, 3), 5000, 'bot.toss')
    await waitFor(() => tossed.reduce((n, e) => n + e.getDroppedItem().count, 0) >= 3, 3000, 'the bot to see 3 tossed cobblestone').catch(() => {})
  } finally {
    bot.removeListener('itemDrop', onToss)
  }
  const seenCount = tossed.reduce((n, e) => n + (e.getDroppedItem()?.count || 0), 0)
  expect(seenCount === 3, `bot sees ${seenCount} tossed cobblestone on the ground (expected 3)`)
  await waitFor(() => countIn(serverTally(player), 'cobblestone') === 2, 3000, 'the server inventory to hold 2 cobblestone after tossing 3')
  const onGround = arenaTotals(ctx, arena).ground
  expect(countIn(onGround, 'cobblestone') === 3, `after tossing 3 the ground holds ${formatTally(onGround)}`)
  await sleep(2100) // vanilla pickup delay for thrown items: 40 ticks
  await within(bot.collectBlock.collect(tossed.filter(e => bot.entities[e.id])), 15000, 'collectBlock.collect(tossed cobblestone)')
  await waitFor(() => countIn(serverTally(player), 'cobblestone') === 5, 3000, 'all 5 cobblestone back in the inventory')
  await expectInventoriesAgree(player, bot, ctx.registry, 3000, 'after picking up')
  return `dirt drop seen and collected; 3 tossed cobblestone seen (${tossed.length} entities), picked up again`
}

async function oreXp (ctx) {
  const { bot, fx } = ctx
  const arena = await fx.arena(bot)
  const player = fx.playerOf(bot)
  await hold(ctx, 'diamond_pickaxe')
  const ranges = { coal_ore: [0, 2], lapis_ore: [2, 5], redstone_ore: [1, 5], diamond_ore: [3, 7] }
  const plan = ['coal_ore', 'coal_ore', 'coal_ore', 'lapis_ore', 'redstone_ore', 'diamond_ore']
  const seen = []
  let i = 0
  for (const name of plan) {
    const pos = arena.at(1 + (i % 2), 1, (i >> 1) - 1)
    i++
    const before = player.xp || 0
    await fx.place(bot, pos, name)
    await dig(ctx, pos)
    await expectBlockGone(ctx, pos, name)
    await sleep(300)
    const gained = (player.xp || 0) - before
    seen.push(`${name.replace('_ore', '')} +${gained}`)
    const [lo, hi] = ranges[name]
    expect(gained >= lo && gained <= hi, `${name} gave ${gained} XP (vanilla ${lo}-${hi}); so far ${seen.join(', ')}`)
  }
  const points = player.xp || 0
  await waitFor(() => bot.experience.points === points, 3000, 'the bot to see the XP total')
    .catch(() => expect(false, `server has ${points} XP points, bot sees ${bot.experience.points}`))
  expect(bot.experience.level === levelForPoints(points), `${points} points is level ${levelForPoints(points)} in vanilla; bot sees level ${bot.experience.level}`)
  return `${seen.join(', ')} = ${points} points, level ${bot.experience.level}`
}

module.exports = [
  { mechanic: 'dig.stone_by_hand_drops_nothing', timeout: 40, fn: stoneByHand },
  { mechanic: 'dig.stone_wooden_pickaxe_collect', timeout: 45, fn: stoneWoodenPickaxe },
  { mechanic: 'dig.too_fast_rejected', timeout: 30, fn: tooFastRejected },
  { mechanic: 'dig.iron_ore_needs_stone_pickaxe', timeout: 40, fn: harvestTier('iron_ore', 'wooden_pickaxe', 'stone_pickaxe', 'raw_iron') },
  { mechanic: 'dig.diamond_ore_needs_iron_pickaxe', timeout: 40, fn: harvestTier('diamond_ore', 'stone_pickaxe', 'iron_pickaxe', 'diamond') },
  { mechanic: 'dig.obsidian_diamond_pickaxe', timeout: 40, fn: obsidian },
  { mechanic: 'dig.vanilla_dig_times', timeout: 40, fn: vanillaDigTimes },
  { mechanic: 'dig.leaf_drop_chances', timeout: 60, fn: leafDropChances },
  { mechanic: 'dig.tool_breaks_when_worn_out', timeout: 30, fn: toolBreaks },
  { mechanic: 'items.ground_metadata_toss_pickup', timeout: 60, fn: groundItems },
  { mechanic: 'xp.ores_and_levels', timeout: 60, fn: oreXp }
]
module.exports.hold = hold
module.exports.dig = dig
module.exports.vanillaDig = vanillaDig
module.exports.arenaTotals = arenaTotals
