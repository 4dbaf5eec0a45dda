'use strict'
// World bugs that another project's bot code (Voyager's control primitives, run unchanged) found, each
// checked through mineflayer's standard API only: bot.craft with bot.recipesFor, bot.consume,
// bot.tossStack, bot.placeBlock and the soundEffectHeard event. The sequences that went wrong only some of
// the time are repeated until they failed every run before the fix. The bot reaches the server through a
// link that hands it each packet on its own, as a busy server or a real network does (on an idle loopback
// the packets of one burst arrive in one read and mineflayer never acts between them).
const test = require('node:test')
const assert = require('node:assert/strict')
const net = require('net')
const h = require('./windows_helpers')

const SEED = 2000014 // neither a training nor an evaluation seed
const ROUNDS = 6

test.after(() => h.exitWhenDone())

async function withBot (username, body) {
  const { serv, port } = await h.startServer({ seed: SEED })
  const link = await packetByPacketLink(port)
  const bot = await h.connectBot(link.port, username)
  try {
    await body({ serv, bot, player: await h.windowsReady(serv, username) })
  } finally {
    await h.stop(bot, serv)
    link.close()
  }
}

/** A loopback proxy to the server at `port` that passes the client one server packet (frame) per millisecond. */
async function packetByPacketLink (port) {
  const sockets = new Set()
  const proxy = net.createServer(client => {
    const upstream = net.connect(port, '127.0.0.1')
    for (const [s, other] of [[client, upstream], [upstream, client]]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => { sockets.delete(s); other.end() })
    }
    client.pipe(upstream)
    let pending = Buffer.alloc(0)
    const frames = []
    let waiting = false
    const pass = () => {
      if (waiting || frames.length === 0) return
      waiting = true
      client.write(frames.shift())
      setTimeout(() => { waiting = false; pass() }, 1)
    }
    upstream.on('data', (data) => {
      pending = Buffer.concat([pending, data])
      for (let n = frameLength(pending); n; n = frameLength(pending)) {
        frames.push(pending.subarray(0, n))
        pending = pending.subarray(n)
      }
      pass()
    })
  })
  await new Promise(resolve => proxy.listen(0, '127.0.0.1', resolve))
  return { port: proxy.address().port, close: () => { for (const s of sockets) s.destroy(); proxy.close() } }
}

/** Bytes of the first whole frame (a varint length, then that many bytes) in `buf`, or null. */
function frameLength (buf) {
  let length = 0
  for (let i = 0; i < 5 && i < buf.length; i++) {
    length |= (buf[i] & 0x7f) << (7 * i)
    if (!(buf[i] & 0x80)) return buf.length >= i + 1 + length ? i + 1 + length : null
  }
  return null
}

/** Fixture: exactly these items (window slot, name, count), and the client has seen them. */
async function fixture (serv, player, bot, items) {
  h.clearInventory(player)
  for (const [slot, name, count] of items) h.give(serv, player, slot, name, count)
  await h.waitFor(() => h.inventoryDiff(player, bot).length === 0, 10000, 'the client to see the fixture')
}

function sorted (counts) {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)))
}

function recipe (bot, name, table) {
  const [r] = bot.recipesFor(bot.registry.itemsByName[name].id, null, 1, table)
  assert.ok(r, `a recipe for ${name}`)
  return r
}

test('bot.craft: sticks in the 2x2 grid right after a craft at a crafting table', { timeout: 180000 }, async () => {
  await withBot('stickmaker', async ({ serv, bot, player }) => {
    const table = await h.placeBlockNear(serv, player, bot, 'crafting_table')
    for (let round = 1; round <= ROUNDS; round++) {
      await fixture(serv, player, bot, [[36, 'oak_log', 1], [37, 'oak_planks', 2]])
      await h.withTimeout(bot.craft(recipe(bot, 'oak_planks', table), 1, table), 15000, 'planks at the table')
      await h.withTimeout(bot.craft(recipe(bot, 'stick', null), 1, null), 15000, 'sticks in the 2x2 grid')
      await h.waitFor(() => h.serverCounts(player).stick === 4, 3000, 'the sticks').catch(() => {})
      assert.deepEqual(h.serverCounts(player), { oak_planks: 4, stick: 4 }, `round ${round}`)
      await h.waitFor(() => h.inventoryDiff(player, bot).length === 0, 3000, 'client and server to agree').catch(() => {})
      assert.deepEqual(h.inventoryDiff(player, bot), [], `round ${round}`)
    }
  })
})

test('bot.consume then bot.tossStack right after a craft at a crafting table: one eaten, the stack thrown', { timeout: 180000 }, async () => {
  await withBot('eater', async ({ serv, bot, player }) => {
    const table = await h.placeBlockNear(serv, player, bot, 'crafting_table')
    bot.setQuickBarSlot(0)
    for (let round = 1; round <= ROUNDS; round++) {
      const tossFood = round % 2 === 0 // alternately the rest of the food and another stack
      await fixture(serv, player, bot, [[20, 'bread', 3], [37, 'cobblestone', 16], [38, 'oak_log', 1]])
      player.updateFood(10)
      await h.waitFor(() => bot.food === 10, 3000, 'the client to see food 10')
      await h.withTimeout(bot.craft(recipe(bot, 'oak_planks', table), 1, table), 15000, 'planks at the table')
      await h.withTimeout(bot.equip(bot.registry.itemsByName.bread.id, 'hand'), 10000, 'bread in hand')
      await h.withTimeout(bot.consume(), 10000, 'eating')
      const toss = bot.inventory.items().find(i => i.name === (tossFood ? 'bread' : 'cobblestone'))
      await h.withTimeout(bot.tossStack(toss), 10000, 'tossStack')
      const expected = tossFood ? { oak_planks: 4, cobblestone: 16 } : { oak_planks: 4, bread: 2 }
      const same = () => JSON.stringify(sorted(h.serverCounts(player))) === JSON.stringify(sorted(expected))
      // (a thrown stack may be picked up again 2 s after the throw: look before that)
      await h.waitFor(same, 1000, 'the toss').catch(() => {})
      assert.deepEqual(h.serverCounts(player), expected, `round ${round}: tossed ${toss.name}`)
      assert.equal(player.food, 15, `round ${round}: one bread eaten`)
      await h.sleep(2500) // the thrown stack lands before the next fixture
    }
  })
})

test('sound_effect packets are 1.21.4 packets: mineflayer reads the sound, its place and pitch', { timeout: 60000 }, async () => {
  await withBot('listener', async ({ serv, bot, player }) => {
    const partial = []
    const log = console.log
    console.log = (...args) => { // protodef reports a packet it read only part of here
      if (String(args[0]).startsWith('Chunk size is')) partial.push(String(args[0]).slice(0, 120))
      else log(...args)
    }
    try {
      await fixture(serv, player, bot, [[36, 'cobblestone', 4]])
      bot.setQuickBarSlot(0)
      const heard = []
      bot.on('soundEffectHeard', (name, position, volume, pitch) => heard.push({ name, position, volume, pitch }))
      const below = bot.blockAt(bot.entity.position.offset(2, -1, 0).floored())
      await h.withTimeout(bot.placeBlock(below, new h.Vec3(0, 1, 0)), 10000, 'placing cobblestone')
      const placed = below.position.offset(0, 1, 0)
      await h.waitFor(() => heard.length > 0, 3000, 'a sound').catch(() => {})
      assert.deepEqual(partial, [], 'every sound_effect packet is read whole')
      assert.equal(heard.length, 1, JSON.stringify(heard))
      const [sound] = heard
      assert.equal(sound.name, 'block.stone.place')
      assert.ok(bot.registry.soundsByName[sound.name], `${sound.name} is a 1.21.4 sound`)
      assert.ok(sound.position.distanceTo(placed.offset(0.5, 0.5, 0.5)) < 0.2, `heard at ${sound.position}, placed at ${placed}`)
      assert.ok(Math.abs(sound.pitch - 0.8) < 1e-6, `pitch ${sound.pitch}`)
      assert.equal(sound.volume, 1)
    } finally {
      console.log = log
    }
  })
})
