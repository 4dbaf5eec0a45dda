'use strict'
// Survival hardening (no creative packets in survival, no op, assists only behind a flag and recorded) and
// bad input (nonsense clicks, crafting without ingredients, malformed packets, a client that dies
// mid-packet): the server keeps serving, creates no items and loses none.
const mc = require('minecraft-protocol')
const { expect, sleep, waitFor, onceWithin, formatTally } = require('./util')
const { expectInventoriesAgree, serverTally, countIn } = require('./inventory_view')
const { connectBot, botAlive, VERSION } = require('./harness')
const { giveAndSee } = require('./checks_containers')

let pingToken = 0

/** A /ping round trip: proves the server still reads and answers this bot. */
async function expectServes (bot, what = 'the server') {
  expect(botAlive(bot), `${what}: the bot was disconnected`)
  const n = 1 + (pingToken++ % 8) // flying-squid's /ping reads one digit: '/ping 5' answers 'pong [6]!'
  const answer = onceWithin(bot, 'messagestr', 5000, m => String(m).includes(`pong [${n + 1}]`))
  bot.chat(`/ping ${n}`)
  await answer.catch(() => expect(false, `${what}: no answer to /ping from the server (${serviceState(bot)})`))
}

// What a failed round trip looked like, so an intermittent failure says where the bot's link stopped.
function serviceState (bot) {
  const player = bot.__server?.players.find(p => p.username === bot.username)
  const sinceKeepAlive = bot.__lastServerPacket ? Date.now() - bot.__lastServerPacket : 'never'
  return `server lists the bot: ${Boolean(player)}; bot health ${bot.health}; last packet from the server ${sinceKeepAlive} ms ago`
}

function uncaughtSince (ctx, mark) {
  return ctx.uncaught.slice(mark)
}

function expectNoUncaught (ctx, mark) {
  const errs = uncaughtSince(ctx, mark)
  expect(errs.length === 0, `the server threw ${errs.length} uncaught error(s): ${errs[0]}`)
}

async function creativeRejected (ctx) {
  const { bot, fx } = ctx
  const arena = await fx.arena(bot)
  const player = fx.playerOf(bot)
  const Item = fx.Item
  expect(player.gameMode === 0, `the bot is in game mode ${player.gameMode}, not survival`)
  bot._client.write('set_creative_slot', { slot: 36, item: Item.toNotch(fx.makeItem('diamond', 64)) })
  bot._client.write('set_creative_slot', { slot: 20, item: Item.toNotch(fx.makeItem('diamond_sword', 1)) })
  bot._client.write('set_creative_slot', { slot: -1, item: Item.toNotch(fx.makeItem('diamond_block', 64)) }) // creative "drop"
  await sleep(1500)
  const t = serverTally(player)
  expect(Object.keys(t).length === 0, `creative-inventory packets in survival gave ${formatTally(t)}`)
  const ground = fx.groundItems(arena.center.offset(0.5, 1, 0.5))
  expect(ground.length === 0, `a creative drop in survival spawned ${ground.map(g => g.name).join(', ')}`)
  await expectInventoriesAgree(player, bot, ctx.registry, 3000, 'after creative packets')
  return 'three creative-inventory packets ignored in survival'
}

async function notOp (ctx) {
  const { bot, fx } = ctx
  await fx.arena(bot)
  const player = fx.playerOf(bot)
  expect(!player.op, 'the bot is op on the embedded server (vanilla default: not op)')
  expect(ctx.serv.assists && ctx.serv.assists.size === 0, `assists on by default: ${[...(ctx.serv.assists || [])].join(', ')}`)
  const replies = []
  const onMsg = m => replies.push(String(m))
  bot.on('messagestr', onMsg)
  try {
    for (const cmd of [`/give ${bot.username} diamond 64`, `/op ${bot.username}`, '/gamemode creative', `/xp 1000 ${bot.username}`, '/give @p diamond_pickaxe']) {
      bot.chat(cmd)
      await sleep(250)
    }
    await sleep(1000)
  } finally {
    bot.removeListener('messagestr', onMsg)
  }
  const t = serverTally(player)
  expect(Object.keys(t).length === 0, `commands from a non-op bot gave ${formatTally(t)}`)
  expect(!player.op, '/op made the bot op')
  expect(player.gameMode === 0, `/gamemode changed the game mode to ${player.gameMode}`)
  expect(!player.xp, `/xp gave ${player.xp} XP`)
  await expectServes(bot)
  return `refused: ${replies.filter(r => /permission|not allowed|op/i.test(r)).length}/5 commands answered with a refusal`
}

async function assistRecorded (ctx) {
  const { startEmbeddedServer } = require('../embedded_server.js')
  const serv2 = startEmbeddedServer({ port: 0, seed: ctx.seed, assists: ['give'], viewDistance: 2, log: 'stdout' }) // its log joins the captured one
  let bot2
  try {
    const port2 = await listeningPort(serv2)
    bot2 = await connectBot({ port: port2, username: 'assisted', plugins: false })
    const player2 = serv2.players.find(p => p.username === 'assisted')
    expect(!player2.op, 'with the give assist on, the bot is op')
    await sleep(1000)
    const replies = []
    bot2.on('messagestr', m => replies.push(String(m)))
    bot2.chat('/give assisted diamond 2')
    await waitFor(() => countIn(serverTally(player2), 'diamond') === 2, 5000, '/give to work with the give assist')
      .catch(() => expect(false, `/give with --assist give: server inventory ${formatTally(serverTally(player2))}, replies: ${replies.join(' | ') || 'none'}`))
    const log = serv2.assistLog || []
    expect(log.some(e => e.name === 'give'), `the /give was not recorded (assist log: ${JSON.stringify(log)})`)
    bot2.chat('/op assisted')
    await sleep(500)
    expect(!player2.op, 'the give assist also let /op through')
    return `/give worked with --assist give and was recorded (${log.length} entry)`
  } finally {
    try { bot2?.end() } catch {}
    await sleep(200)
      await (serv2.stop ? serv2.stop() : serv2.destroy()).catch(() => {})
  }
}

function listeningPort (serv) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('second server did not start within 30 s')), 30000)
    let pluginsReady = false // emitted before serv.pluginsReady is set
    const ready = () => {
      if (serv.listeningPort && (pluginsReady || serv.pluginsReady)) {
        clearTimeout(timer)
        resolve(serv.listeningPort)
      }
    }
    serv.on('listening', ready)
    serv.on('pluginsReady', () => { pluginsReady = true; ready() })
    ready()
  })
}

async function badClicks (ctx) {
  const { bot, fx } = ctx
  const arena = await fx.arena(bot)
  const player = fx.playerOf(bot)
  await giveAndSee(ctx, 36, 'cobblestone', 10)
  await giveAndSee(ctx, 9, 'dirt', 3)
  const before = serverTally(player)
  const mark = ctx.uncaught.length
  const Item = fx.Item
  const none = Item.toNotch(null)
  const diamonds = Item.toNotch(fx.makeItem('diamond', 64))
  const click = fields => bot._client.write('window_click', { windowId: 0, stateId: 0, slot: 0, mouseButton: 0, mode: 0, changedSlots: [], cursorItem: none, ...fields })
  click({ slot: 999 }) // no such slot
  click({ slot: -5 })
  click({ slot: 30000, mode: 1 })
  click({ windowId: 77, slot: 10 }) // no such window
  click({ slot: 36, mode: 2, mouseButton: 77 }) // number key that does not exist
  click({ slot: 20, changedSlots: [{ location: 500, item: diamonds }], cursorItem: diamonds }) // an empty slot; lies about a slot that does not exist
  click({ slot: 9, mode: 4, mouseButton: 0, windowId: 200 }) // drop from an unknown window
  bot._client.write('close_window', { windowId: 99 })
  bot._client.write('enchant_item', { windowId: 3, enchantment: 9 })
  bot._client.write('held_item_slot', { slotId: 100 })
  await sleep(1500)
  expect(botAlive(bot), 'the bot was disconnected for well-formed but invalid clicks')
  const after = serverTally(player)
  expect(formatTally(after) === formatTally(before), `items changed: before ${formatTally(before)}, after ${formatTally(after)}`)
  expect(fx.groundItems(arena.center.offset(0.5, 1, 0.5)).length === 0, 'invalid clicks dropped items on the ground')
  expect(player.heldItemSlot >= 0 && player.heldItemSlot <= 8, `held slot is now ${player.heldItemSlot}`)
  expectNoUncaught(ctx, mark)
  await expectServes(bot)
  await expectInventoriesAgree(player, bot, ctx.registry, 3000, 'after invalid clicks')
  return '10 invalid window packets ignored; items unchanged; still served'
}

async function craftWithoutIngredients (ctx) {
  const { bot, fx } = ctx
  const arena = await fx.arena(bot)
  const player = fx.playerOf(bot)
  await giveAndSee(ctx, 36, 'dirt', 1)
  const mark = ctx.uncaught.length
  const Item = fx.Item
  const notch = (name, n) => Item.toNotch(fx.makeItem(name, n))
  // Take a crafting result from an empty grid, claiming a crafting table.
  bot._client.write('window_click', { windowId: 0, stateId: 0, slot: 0, mouseButton: 0, mode: 0, changedSlots: [{ location: 0, item: Item.toNotch(null) }], cursorItem: notch('crafting_table', 1) })
  bot._client.write('window_click', { windowId: 0, stateId: 0, slot: 0, mouseButton: 0, mode: 1, changedSlots: [{ location: 9, item: notch('crafting_table', 1) }], cursorItem: Item.toNotch(null) })
  await sleep(1000)
  let t = serverTally(player)
  expect(countIn(t, 'crafting_table') === 0 && formatTally(t) === 'dirt×1', `a result was taken from an empty grid: server holds ${formatTally(t)}`)
  // One dirt in the grid (put there with normal clicks) is no recipe; claim four sticks anyway.
  await bot.clickWindow(36, 0, 0)
  await bot.clickWindow(1, 0, 0)
  await sleep(500)
  expect(player.inventory.slots[1]?.name === 'dirt', 'the dirt did not reach the crafting grid (inventory clicks not applied)')
  expect(!player.inventory.slots[0], `one dirt in the grid offers ${player.inventory.slots[0]?.name} as a result`)
  bot._client.write('window_click', { windowId: 0, stateId: 0, slot: 0, mouseButton: 0, mode: 0, changedSlots: [{ location: 0, item: Item.toNotch(null) }], cursorItem: notch('stick', 4) })
  await sleep(1000)
  t = serverTally(player)
  expect(countIn(t, 'stick') === 0 && countIn(t, 'dirt') === 1, `after claiming sticks from one dirt the server holds ${formatTally(t)}`)
  // Closing the inventory puts the grid back.
  bot.closeWindow(bot.inventory)
  await waitFor(() => !player.inventory.slots[1], 3000, 'the grid to empty when the inventory closes')
  t = serverTally(player)
  expect(formatTally(t) === 'dirt×1', `after closing, the server holds ${formatTally(t)} (expected the one dirt)`)
  expect(fx.groundItems(arena.center.offset(0.5, 1, 0.5)).length === 0, 'items ended up on the ground')
  expectNoUncaught(ctx, mark)
  await expectInventoriesAgree(player, bot, ctx.registry, 3000, 'after the fake crafts')
  return 'no item created from an empty grid or a grid that is no recipe; the dirt came back'
}

/** A raw protocol client that has joined the game. */
async function rawClient (ctx, username) {
  const client = mc.createClient({ host: '127.0.0.1', port: ctx.port, username, version: VERSION, auth: 'offline', hideErrors: true })
  client.on('error', () => {})
  await onceWithin(client, 'login', 30000)
  await waitFor(() => ctx.serv.players.some(p => p.username === username), 15000, `${username} to join`)
  await sleep(300)
  return client
}

function varint (n) {
  const out = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n) b |= 0x80
    out.push(b)
  } while (n)
  return Buffer.from(out)
}

async function malformedPackets (ctx) {
  const { bot, fx, serv } = ctx
  await fx.arena(bot)
  const player = fx.playerOf(bot)
  await giveAndSee(ctx, 36, 'cobblestone', 7)
  const before = serverTally(player)
  const mark = ctx.uncaught.length
  const client = await rawClient(ctx, 'mallory')
  const Item = fx.Item
  const mappings = require('minecraft-data')(VERSION).protocol.play.toServer.types.packet[1][0].type[1].mappings
  const packetId = name => parseInt(Object.keys(mappings).find(k => mappings[k] === name), 16)
  const sent = []
  const attempt = (what, fn) => { try { fn(); sent.push(what) } catch (err) { sent.push(`${what} (client refused: ${err.message})`) } }
  attempt('unknown packet id', () => client.writeRaw(Buffer.from([0x7e, 1, 2, 3, 4])))
  attempt('truncated window_click', () => client.writeRaw(Buffer.concat([varint(packetId('window_click')), Buffer.from([0x00, 0x05])])))
  attempt('truncated set_creative_slot', () => client.writeRaw(Buffer.concat([varint(packetId('set_creative_slot')), Buffer.from([0x00])])))
  attempt('window_click with mode 42', () => client.write('window_click', { windowId: 0, stateId: 0, slot: 36, mouseButton: 99, mode: 42, changedSlots: [], cursorItem: Item.toNotch(null) }))
  attempt('negative item count', () => client.write('set_creative_slot', { slot: 36, item: { itemCount: -3, itemId: ctx.registry.itemsByName.diamond.id, addedComponentCount: 0, removedComponentCount: 0, components: [], removeComponents: [] } }))
  attempt('block_dig far away', () => client.write('block_dig', { status: 2, location: { x: 30000000, y: 5000, z: -30000000 }, face: 9, sequence: -1 }))
  attempt('use_entity on nothing', () => client.write('use_entity', { target: 987654, mouse: 1, sneaking: false }))
  await sleep(2000)
  const malloryGone = !serv.players.some(p => p.username === 'mallory')
  try { client.end() } catch {}
  await sleep(300)
  expectNoUncaught(ctx, mark)
  await expectServes(bot, 'after malformed packets')
  const after = serverTally(player)
  expect(formatTally(after) === formatTally(before), `the other player's items changed: ${formatTally(before)} → ${formatTally(after)}`)
  return `${sent.length} malformed packets; ${malloryGone ? 'sender disconnected' : 'sender still connected'}; world still serving`
}

async function clientCrash (ctx) {
  const { bot, fx, serv } = ctx
  bot.__server = serv
  await fx.arena(bot)
  const mark = ctx.uncaught.length
  const client = await rawClient(ctx, 'crasher')
  // Half a packet: a frame that announces 200 bytes, then the socket dies.
  client.socket.write(Buffer.from([0xc8, 0x01, 0x00, 0x05, 0x01]))
  client.socket.destroy()
  await waitFor(() => !serv.players.some(p => p.username === 'crasher'), 10000, 'the server to drop the crashed client')
    .catch(() => expect(false, 'the crashed client is still listed as a player after 10 s'))
  const tick0 = serv.tickCount
  await sleep(1000)
  expect(serv.tickCount - tick0 >= 10, `the world ticked ${serv.tickCount - tick0} times in 1 s after the crash (20 expected)`)
  expectNoUncaught(ctx, mark)
  await expectServes(bot, 'after a client crashed')
  return `crashed client removed; world ticking (${serv.tickCount - tick0} ticks/s); still serving`
}

module.exports = [
  { mechanic: 'hardening.creative_packets_rejected', timeout: 20, fn: creativeRejected },
  { mechanic: 'hardening.not_op_no_give', timeout: 20, fn: notOp },
  { mechanic: 'hardening.assist_flag_recorded', timeout: 60, fn: assistRecorded },
  { mechanic: 'bad_input.invalid_window_clicks', timeout: 25, fn: badClicks },
  { mechanic: 'bad_input.craft_without_ingredients', timeout: 25, fn: craftWithoutIngredients },
  { mechanic: 'bad_input.malformed_packets', timeout: 45, fn: malformedPackets },
  { mechanic: 'bad_input.client_crash_mid_packet', timeout: 45, fn: clientCrash }
]
module.exports.expectServes = expectServes
