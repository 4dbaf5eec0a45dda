'use strict'
// Which world this is, and how long it has run, so that a client that reconnects can tell the same world from
// a new one. Every world has an id (a random UUID made when the world is created) and a game time (vanilla's
// `Time`: the ticks the world has run since it was created, which never goes back). A world with a folder
// keeps them in DIR/level.dat with its seed (vanilla's WorldGenSettings.seed) and the time of day (`DayTime`),
// so a restarted world goes on where it was saved, on its own seed; a world in memory gets a new id at every
// start and its game time starts at 0.
// Clients learn them through the standard protocol where there is one: the game time is the world age of
// `update_time` (flying-squid sends 0; mineflayer reads it as bot.time.age), and the id comes in a plugin
// message on CHANNEL right after `login` (JSON {"id"}), which a vanilla client ignores.
const crypto = require('crypto')
const fs = require('fs')
const path = require('path')
const zlib = require('zlib')
const nbt = require('prismarine-nbt')

const CHANNEL = 'larm:world'
const ID_TAG = 'LarmWorldId' // beside vanilla's tags in level.dat's Data compound

module.exports.server = function (serv, settings) {
  const file = settings.worldDir ? path.join(settings.worldDir, 'level.dat') : null
  const level = file && fs.existsSync(file) ? readLevel(file) : {}
  // This runs before flying-squid's world plugin makes the generator: a saved world keeps its own seed.
  if (level.seed !== undefined) settings.generation.options.seed = Number(level.seed)
  const ageAtStart = Number(level.Time ?? 0n)
  serv.worldId = level[ID_TAG] || crypto.randomUUID()
  serv.gameTime = () => ageAtStart + (serv.tickCount || 0)

  /** Write level.dat (atomically): the id, the seed, the game time and the time of day. */
  serv.saveLevel = async () => {
    if (!file) return
    const data = nbt.comp({
      DataVersion: nbt.int(serv.registry.version.dataVersion),
      Version: nbt.comp({ Name: nbt.string(serv.registry.version.minecraftVersion) }),
      LevelName: nbt.string(path.basename(settings.worldDir)),
      WorldGenSettings: nbt.comp({ seed: nbt.long(toLong(settings.generation.options.seed)) }),
      Time: nbt.long(toLong(serv.gameTime())),
      DayTime: nbt.long(toLong(serv.time ?? 0)),
      [ID_TAG]: nbt.string(serv.worldId)
    })
    fs.mkdirSync(settings.worldDir, { recursive: true })
    const tmp = `${file}.tmp-${process.pid}`
    fs.writeFileSync(tmp, zlib.gzipSync(nbt.writeUncompressed(nbt.comp({ Data: data }), 'big')))
    fs.renameSync(tmp, file)
  }

  // flying-squid's daycycle plugin starts the day at 0; a new world's folder gets its level.dat at once.
  serv.once('pluginsReady', () => {
    if (level.DayTime !== undefined) serv.time = Number(level.DayTime % 24000n)
    if (!level[ID_TAG]) serv.saveLevel().catch(err => serv.warn?.(`[world_identity] level.dat: ${err.message}`))
  })
}

module.exports.player = function (player, serv) {
  const client = player._client
  const write = client.write.bind(client)
  client.write = (name, params) => {
    if (name === 'update_time') params = { ...params, age: toLong(serv.gameTime()), tickDayTime: serv.doDaylightCycle !== false }
    const written = write(name, params)
    if (name === 'login') write('custom_payload', { channel: CHANNEL, data: Buffer.from(JSON.stringify({ id: serv.worldId })) })
    return written
  }
}

/** What level.dat's Data compound holds of ours (longs as BigInt). */
function readLevel (file) {
  const data = nbt.simplify(nbt.parseUncompressed(zlib.gunzipSync(fs.readFileSync(file)), 'big')).Data || {}
  const long = value => value === undefined ? undefined : fromLong(value)
  return { [ID_TAG]: data[ID_TAG], seed: long(data.WorldGenSettings?.seed), Time: long(data.Time), DayTime: long(data.DayTime) }
}

// NBT and protocol longs are [high, low] pairs of 32-bit integers.
function toLong (n) {
  const big = BigInt(Math.trunc(Number(n)))
  return [Number(BigInt.asIntN(32, big >> 32n)), Number(BigInt.asIntN(32, big))]
}

function fromLong (value) {
  if (Array.isArray(value)) return BigInt.asIntN(64, (BigInt(value[0]) << 32n) | BigInt(value[1] >>> 0))
  return BigInt(value)
}

module.exports.CHANNEL = CHANNEL
