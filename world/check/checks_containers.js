'use strict'
// Containers: server-authoritative inventory clicks, 2x2 and 3x3 crafting with bot.craft, the furnace with
// bot.openFurnace, the enchanting table with bot.openEnchantmentTable, and buckets.
const { expect, sleep, waitFor, within, formatTally } = require('./util')
const { expectInventoriesAgree, serverTally, countIn, enchantList, slotText } = require('./inventory_view')
const { hold } = require('./checks_blocks')

async function giveAndSee (ctx, slot, name, count) {
  ctx.fx.give(ctx.bot, slot, name, count)
  await waitFor(() => ctx.bot.inventory.slots[slot]?.name === name && ctx.bot.inventory.slots[slot].count === count,
    3000, `the bot to see ${name}×${count} in slot ${slot}`)
}

const itemId = (ctx, name) => ctx.registry.itemsByName[name].id

function expectSlot (ctx, player, slot, name, count, when) {
  const item = player.inventory.slots[slot]
  const ok = name ? item && item.name === name && item.count === count : !item
  expect(ok, `${when}: server slot ${slot} holds ${slotText(item, ctx.registry)}, expected ${name ? `${name}×${count}` : 'nothing'}`)
}

async function clicks (ctx) {
  const { bot, fx } = ctx
  await fx.arena(bot)
  const player = fx.playerOf(bot)
  await giveAndSee(ctx, 36, 'cobblestone', 10)
  await giveAndSee(ctx, 37, 'dirt', 5)
  await bot.moveSlotItem(36, 20)
  await sleep(300)
  expectSlot(ctx, player, 20, 'cobblestone', 10, 'after moving the stack to slot 20')
  expectSlot(ctx, player, 36, null, 0, 'after moving the stack to slot 20')
  await expectInventoriesAgree(player, bot, ctx.registry, 3000, 'after a move')
  await bot.clickWindow(20, 1, 0) // right click: pick up half
  await bot.clickWindow(21, 0, 0) // left click: put it down
  await sleep(300)
  expectSlot(ctx, player, 20, 'cobblestone', 5, 'after splitting the stack')
  expectSlot(ctx, player, 21, 'cobblestone', 5, 'after splitting the stack')
  await bot.clickWindow(21, 0, 1) // shift click: to the hotbar
  await sleep(300)
  expect(!player.inventory.slots[21], `after a shift-click slot 21 still holds ${slotText(player.inventory.slots[21], ctx.registry)}`)
  await bot.clickWindow(37, 8, 2) // number key 9 over slot 37: swap the dirt into hotbar slot 9 (slot 44)
  await sleep(300)
  expectSlot(ctx, player, 44, 'dirt', 5, 'after a number-key swap')
  await expectInventoriesAgree(player, bot, ctx.registry, 3000, 'after split, shift-click and swap')
  const t = serverTally(player)
  expect(countIn(t, 'cobblestone') === 10 && countIn(t, 'dirt') === 5, `items created or lost by clicking: ${formatTally(t)}`)
  return 'move, split, shift-click, number-key swap applied by the server'
}

async function resync (ctx) {
  const { bot, fx } = ctx
  await fx.arena(bot)
  const player = fx.playerOf(bot)
  await giveAndSee(ctx, 36, 'dirt', 4)
  // A lying client: it claims a left click on an empty slot put 64 diamonds there.
  const diamond = fx.makeItem('diamond', 64)
  const Item = fx.Item
  bot.inventory.updateSlot(9, diamond) // the client's own (wrong) view
  bot._client.write('window_click', {
    windowId: 0,
    stateId: 0,
    slot: 9,
    mouseButton: 0,
    mode: 0,
    changedSlots: [{ location: 9, item: Item.toNotch(diamond) }],
    cursorItem: Item.toNotch(null)
  })
  await sleep(1000)
  expect(!player.inventory.slots[9], `server accepted the client's claim: slot 9 holds ${slotText(player.inventory.slots[9], ctx.registry)}`)
  await waitFor(() => !bot.inventory.slots[9], 3000, 'the server to resync the client')
    .catch(() => expect(false, 'the server never corrected the client\'s wrong view of slot 9 (no resync)'))
  await expectInventoriesAgree(player, bot, ctx.registry, 3000, 'after the resync')
  return 'claimed diamonds refused; client view corrected by the server'
}

async function craft2x2 (ctx) {
  const { bot, fx } = ctx
  await fx.arena(bot)
  const player = fx.playerOf(bot)
  await giveAndSee(ctx, 36, 'oak_log', 2)
  const steps = [['oak_planks', 2, { oak_planks: 8 }], ['stick', 1, { oak_planks: 6, stick: 4 }], ['crafting_table', 1, { oak_planks: 2, stick: 4, crafting_table: 1 }]]
  for (const [name, times, expected] of steps) {
    const recipe = bot.recipesFor(itemId(ctx, name), null, 1, null)[0]
    expect(recipe, `mineflayer finds no 2x2 recipe for ${name} with ${formatTally(serverTally(player))}`)
    await within(bot.craft(recipe, times, null), 15000, `bot.craft(${name})`)
    await waitFor(() => Object.entries(expected).every(([k, v]) => countIn(serverTally(player), k) === v), 3000, `${name} crafted`)
      .catch(() => expect(false, `after crafting ${name} the server holds ${formatTally(serverTally(player))}, expected ${formatTally(expected)}`))
  }
  const t = serverTally(player)
  expect(countIn(t, 'oak_log') === 0, `logs left over: ${formatTally(t)}`)
  expect([0, 1, 2, 3, 4].every(s => !player.inventory.slots[s]), 'items left in the crafting grid')
  await expectInventoriesAgree(player, bot, ctx.registry, 3000, 'after crafting')
  return `2 logs → ${formatTally(t)}`
}

async function craft3x3 (ctx) {
  const { bot, fx } = ctx
  const arena = await fx.arena(bot)
  const player = fx.playerOf(bot)
  const table = await fx.place(bot, arena.at(2, 1, 0), 'crafting_table')
  await giveAndSee(ctx, 36, 'oak_planks', 3)
  await giveAndSee(ctx, 37, 'stick', 2)
  await giveAndSee(ctx, 38, 'cobblestone', 8)
  for (const name of ['wooden_pickaxe', 'furnace']) {
    const recipe = bot.recipesFor(itemId(ctx, name), null, 1, table)[0]
    expect(recipe, `mineflayer finds no recipe for ${name}`)
    expect(recipe.requiresTable, `${name} should need the 3x3 grid`)
    await within(bot.craft(recipe, 1, table), 20000, `bot.craft(${name}, table)`)
    await waitFor(() => countIn(serverTally(player), name) === 1, 3000, `${name} in the server inventory`)
      .catch(() => expect(false, `after crafting ${name} at the table the server holds ${formatTally(serverTally(player))}`))
  }
  const t = serverTally(player)
  expect(Object.keys(t).length === 2, `leftovers after crafting: ${formatTally(t)}`)
  await expectInventoriesAgree(player, bot, ctx.registry, 3000, 'after crafting at the table')
  return 'wooden_pickaxe and furnace crafted at a crafting table'
}

async function placeFurnace (ctx, arena) {
  return ctx.fx.place(ctx.bot, arena.at(2, 1, 0), 'furnace', { facing: 'west', lit: false })
}

async function furnaceSmelt (ctx) {
  const { bot, fx } = ctx
  const arena = await fx.arena(bot)
  const player = fx.playerOf(bot)
  const block = await placeFurnace(ctx, arena)
  await giveAndSee(ctx, 36, 'coal', 1)
  await giveAndSee(ctx, 37, 'raw_iron', 2)
  const furnace = await within(bot.openFurnace(block), 5000, 'bot.openFurnace')
  try {
    await within(furnace.putFuel(itemId(ctx, 'coal'), null, 1), 5000, 'furnace.putFuel(coal)')
    await within(furnace.putInput(itemId(ctx, 'raw_iron'), null, 2), 5000, 'furnace.putInput(raw_iron×2)')
    const t0 = Date.now()
    await waitFor(() => furnace.outputItem()?.count >= 1, 16000, 'the first iron ingot')
    const first = (Date.now() - t0) / 1000
    expect(first >= 8, `first ingot after ${first.toFixed(1)} s (vanilla 10 s)`)
    expect(furnace.totalFuel === 1600, `coal burns ${furnace.totalFuel} ticks in the furnace window (vanilla 1600)`)
    expect(furnace.totalProgress === 200, `cook time ${furnace.totalProgress} ticks (vanilla 200)`)
    await waitFor(() => furnace.outputItem()?.count === 2, 14000, 'the second iron ingot')
    const second = (Date.now() - t0) / 1000
    const xpBefore = player.xp || 0
    await within(furnace.takeOutput(), 5000, 'furnace.takeOutput')
    await waitFor(() => countIn(serverTally(player), 'iron_ingot') === 2, 3000, 'iron ingots in the server inventory')
      .catch(() => expect(false, `after takeOutput the server holds ${formatTally(serverTally(player))}`))
    await sleep(300)
    const xp = (player.xp || 0) - xpBefore
    expect(xp >= 1 && xp <= 2, `taking 2 iron ingots gave ${xp} XP (vanilla 0.7 each: 1 or 2)`)
    furnace.close()
    await expectInventoriesAgree(player, bot, ctx.registry, 3000, 'after smelting')
    return `2 raw iron → 2 ingots at ${first.toFixed(1)} s and ${second.toFixed(1)} s, +${xp} XP`
  } finally {
    try { furnace.close() } catch {}
  }
}

async function furnaceFuel (ctx) {
  const { bot, fx } = ctx
  const arena = await fx.arena(bot)
  const block = await placeFurnace(ctx, arena)
  await giveAndSee(ctx, 36, 'stick', 1)
  await giveAndSee(ctx, 37, 'raw_iron', 1)
  await giveAndSee(ctx, 38, 'oak_planks', 1)
  const furnace = await within(bot.openFurnace(block), 5000, 'bot.openFurnace')
  try {
    await within(furnace.putInput(itemId(ctx, 'raw_iron'), null, 1), 5000, 'furnace.putInput')
    await within(furnace.putFuel(itemId(ctx, 'stick'), null, 1), 5000, 'furnace.putFuel(stick)')
    await waitFor(() => furnace.totalFuel > 0, 3000, 'the furnace to light')
    expect(furnace.totalFuel === 100, `a stick burns ${furnace.totalFuel} ticks (vanilla 100)`)
    await sleep(7000) // the stick is out after 5 s, half way through the 10 s cook
    expect(!furnace.outputItem(), `a stick (5 s of fuel) smelted ${furnace.outputItem()?.name} (vanilla needs 10 s)`)
    expect(!furnace.fuelItem(), 'the stick was not consumed')
    expect(furnace.inputItem()?.name === 'raw_iron', 'the raw iron left the input slot')
    await within(furnace.putFuel(itemId(ctx, 'oak_planks'), null, 1), 5000, 'furnace.putFuel(planks)')
    await waitFor(() => furnace.totalFuel === 300, 3000, 'planks to burn 300 ticks')
      .catch(() => expect(false, `oak planks burn ${furnace.totalFuel} ticks (vanilla 300)`))
    return 'stick 100 ticks (not enough for one item), planks 300 ticks'
  } finally {
    try { furnace.close() } catch {}
  }
}

async function enchanting (ctx) {
  const { bot, fx, registry } = ctx
  const arena = await fx.arena(bot)
  const player = fx.playerOf(bot)
  const tablePos = arena.at(2, 1, 0)
  const table = await fx.place(bot, tablePos, 'enchanting_table')
  await giveAndSee(ctx, 36, 'diamond_sword', 1)
  await giveAndSee(ctx, 37, 'lapis_lazuli', 3)
  fx.setXpLevel(bot, 30)
  await waitFor(() => bot.experience.level === 30, 3000, 'the bot to see XP level 30')

  const offersFor = async () => {
    const window = await within(bot.openEnchantmentTable(bot.blockAt(tablePos)), 5000, 'bot.openEnchantmentTable')
    // Items are passed with their slot in the open window (the player's inventory part of it).
    const sword = window.findInventoryItem(registry.itemsByName.diamond_sword.id, null)
    expect(sword, 'the diamond sword is not in the enchanting window\'s inventory part')
    await within(window.putTargetItem(sword), 5000, 'putTargetItem(diamond_sword)')
    // The offers arrive as window properties; the first offer of an enchantable item is never 0 in vanilla.
    await waitFor(() => window.enchantments.every(e => e.level >= 0) && window.enchantments[0].level > 0, 3000, 'offers').catch(() => {})
    await sleep(200)
    const levels = window.enchantments.map(e => e.level)
    expect(levels.every(l => l >= 0), `the table showed no offers for a diamond sword (${levels.join('/')})`)
    return { window, levels }
  }

  // No bookshelves: every offer is at most 8.
  let { window, levels } = await offersFor()
  expect(levels[0] >= 1 && Math.max(...levels) <= 8, `offers without bookshelves ${levels.join('/')} (vanilla: 1..8)`)
  await within(window.takeTargetItem(), 5000, 'takeTargetItem')
  bot.closeWindow(window)
  await sleep(300)
  const bare = levels

  // Fifteen bookshelves one block away (the gap is where the bot stands): the top offer is level 30.
  let shelves = 0
  for (let dx = -2; dx <= 2; dx++) {
    for (let dz = -2; dz <= 2; dz++) {
      if (Math.max(Math.abs(dx), Math.abs(dz)) !== 2 || (dx === -2 && dz === 0)) continue
      await fx.setBlock(tablePos.offset(dx, 0, dz), 'bookshelf')
      shelves++
    }
  }
  ;({ window, levels } = await offersFor())
  expect(levels[2] === 30, `with ${shelves} bookshelves the offers are ${levels.join('/')} (vanilla: third offer 30)`)
  expect(levels[0] >= 1 && levels[0] <= levels[1] && levels[1] <= levels[2], `offers not increasing: ${levels.join('/')}`)
  const clueId = window.enchantments[2].expected.enchant
  const clue = registry.enchantments[clueId]?.name
  const lapis = window.findInventoryItem(registry.itemsByName.lapis_lazuli.id, null)
  expect(lapis, 'the lapis is not in the enchanting window\'s inventory part')
  await within(window.putLapis(lapis), 5000, 'putLapis')
  await within(window.enchant(2), 8000, 'enchant(2)')
  await within(window.takeTargetItem(), 5000, 'takeTargetItem')
  bot.closeWindow(window)
  await sleep(500)
  const sword = player.inventory.slots.find(i => i?.name === 'diamond_sword')
  const ench = sword ? enchantList(sword, registry) : []
  expect(ench.length > 0, `the sword came back unenchanted (${sword ? slotText(sword, registry) : 'no sword in the server inventory'})`)
  expect(!clue || ench.some(e => e.name === clue), `the table promised ${clue} but the sword has ${ench.map(e => e.name).join(', ')}`)
  expect(countIn(serverTally(player), 'lapis_lazuli') === 0, `lapis left: ${countIn(serverTally(player), 'lapis_lazuli')} (the third offer costs 3)`)
  expect(player.level === 27 || player.xpLevel === 27, `XP level after enchanting: ${player.xpLevel ?? player.level} (30 - 3 = 27)`)
  await waitFor(() => bot.experience.level === 27, 3000, 'the bot to see level 27')
  const botSword = bot.inventory.slots.find(i => i?.name === 'diamond_sword')
  expect(botSword && enchantList(botSword, registry).length > 0,
    'the bot\'s inventory shows the sword unenchanted while the server\'s is enchanted (mineflayer copies a closed ' +
    'window back with Item.equal, which ignores components, so it keeps its stale pre-enchant copy unless the server resends the slot)')
  await expectInventoriesAgree(player, bot, registry, 3000, 'after enchanting')
  return `offers ${bare.join('/')} bare, ${levels.join('/')} with ${shelves} shelves; got ${ench.map(e => `${e.name} ${e.lvl}`).join(', ')}`
}

/** Aim at `target` (a point) and use the held item, as a player right-clicking. */
async function useHeldAt (bot, target) {
  await bot.lookAt(target, true)
  await sleep(100)
  bot.activateItem()
  await sleep(100)
  bot.deactivateItem()
}

async function bucketsFill (ctx) {
  const { bot, fx } = ctx
  const arena = await fx.arena(bot)
  const player = fx.playerOf(bot)
  const water = arena.at(2, 0, 0)
  const lava = arena.at(-2, 0, 0)
  await fx.place(bot, water, 'water')
  await fx.place(bot, lava, 'lava')
  await hold(ctx, 'bucket')
  await useHeldAt(bot, water.offset(0.5, 0.9, 0.5))
  await waitFor(() => player.inventory.slots[36]?.name === 'water_bucket', 3000, 'a water bucket')
    .catch(() => expect(false, `after using a bucket on a water source the server holds ${slotText(player.inventory.slots[36], ctx.registry)}`))
  expect((await fx.blockName(water)) !== 'water', 'the water source is still there after filling the bucket')
  // Pour it back on the floor next to the bot.
  const floor = arena.at(1, 0, 1)
  await useHeldAt(bot, floor.offset(0.5, 1, 0.5))
  await waitFor(async () => (await fx.blockName(floor.offset(0, 1, 0))) === 'water', 3000, 'water poured on the floor')
  expect(player.inventory.slots[36]?.name === 'bucket', `after pouring, the server holds ${slotText(player.inventory.slots[36], ctx.registry)}`)
  await useHeldAt(bot, lava.offset(0.5, 0.9, 0.5))
  await waitFor(() => player.inventory.slots[36]?.name === 'lava_bucket', 3000, 'a lava bucket')
    .catch(() => expect(false, `after using a bucket on a lava source the server holds ${slotText(player.inventory.slots[36], ctx.registry)}`))
  expect((await fx.blockName(lava)) !== 'lava', 'the lava source is still there after filling the bucket')
  await expectInventoriesAgree(player, bot, ctx.registry, 3000, 'after using buckets')
  return 'water filled and poured, lava filled'
}

async function bucketsObsidian (ctx) {
  const { bot, fx } = ctx
  const arena = await fx.arena(bot)
  const player = fx.playerOf(bot)
  const lava = arena.at(2, 1, 0)
  for (const [dx, dz] of [[3, 0], [2, 1], [2, -1]]) await fx.setBlock(arena.at(dx, 1, dz), 'stone')
  await fx.place(bot, lava, 'lava')
  await hold(ctx, 'water_bucket')
  // Water poured on the floor right beside the lava source: the source turns to obsidian.
  await useHeldAt(bot, arena.at(1, 0, 0).offset(0.5, 1, 0.5))
  await waitFor(async () => (await fx.blockName(lava)) === 'obsidian', 5000, 'obsidian where water meets the lava source')
    .catch(async () => expect(false, `lava source is now ${await fx.blockName(lava)}, water block ${await fx.blockName(arena.at(1, 1, 0))}`))
  await waitFor(() => bot.blockAt(lava)?.name === 'obsidian', 3000, 'the bot to see the obsidian')
  expect(player.inventory.slots[36]?.name === 'bucket', `after pouring, the server holds ${slotText(player.inventory.slots[36], ctx.registry)}`)
  return 'water beside a lava source made obsidian'
}

module.exports = [
  { mechanic: 'inventory.clicks_server_authoritative', timeout: 30, fn: clicks },
  { mechanic: 'inventory.client_resynced', timeout: 20, fn: resync },
  { mechanic: 'craft.2x2_inventory_grid', timeout: 45, fn: craft2x2 },
  { mechanic: 'craft.3x3_crafting_table', timeout: 45, fn: craft3x3 },
  { mechanic: 'furnace.smelt_times_and_xp', timeout: 50, fn: furnaceSmelt },
  { mechanic: 'furnace.fuel_burn_times', timeout: 30, fn: furnaceFuel },
  { mechanic: 'enchanting.table_offers_and_costs', timeout: 45, fn: enchanting },
  { mechanic: 'buckets.fill_and_pour', timeout: 30, fn: bucketsFill },
  { mechanic: 'buckets.water_on_lava_obsidian', timeout: 30, fn: bucketsObsidian }
]
module.exports.giveAndSee = giveAndSee
