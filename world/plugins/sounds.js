'use strict'
// Sounds as a 1.21.4 server sends them. flying-squid 1.12 writes sound_effect with pre-1.9 sound names
// ('random.pop', 'dig.stone', 'game.player.hurt'), a position in the 1/32-block units of old versions scaled
// down again (a quarter of the real coordinates) and the pitch as the old byte (x63); mineflayer read such a
// packet as garbage or only in part ("Chunk size is 42 but only 31 was read", issue 14). serv.playSound and
// serv.playSoundId (which flying-squid's block placing, attacks, chests and note blocks call) are replaced:
// the sound goes by its 1.21.4 name, at eighths of a block, with volume and pitch as floats, in the category
// vanilla plays it in.
// The sound travels by name (an inline sound event) rather than by registry id: a vanilla client plays it the
// same, and minecraft-data's 1.21.4 sounds.json numbers sounds from 1 instead of 0, so mineflayer, which looks
// the ids up there, would name every sound sent by id after its neighbour. (minecraft-protocol leaves the
// byte that marks an inline sound unwritten; packet_guard writes it.)
const { Vec3 } = require('vec3')

// flying-squid's names → 1.21.4's. Block placing plays dig.<material> with the pre-1.13 materials.
const LEGACY_NAMES = {
  'random.pop': 'entity.item.pickup',
  'game.player.hurt': 'entity.player.hurt',
  'dig.stone': 'block.stone.place',
  'dig.wood': 'block.wood.place',
  'dig.grass': 'block.grass.place',
  'dig.gravel': 'block.gravel.place',
  'dig.sand': 'block.sand.place',
  'dig.snow': 'block.snow.place',
  'dig.cloth': 'block.wool.place',
  'dig.glass': 'block.glass.place'
}
const DEFAULT_RADIUS = 32

module.exports.server = function (serv) {
  const { registry } = serv
  const unknown = new Set()

  /** The 1.21.4 name of a sound given by flying-squid, or null when 1.21.4 has no such sound. */
  function modernName (sound) {
    const name = String(sound).replace(/^minecraft:/, '')
    if (registry.soundsByName[name]) return name
    const mapped = LEGACY_NAMES[name] || (name.startsWith('note.') ? `block.note_block.${name.slice(5)}` : null)
    if (mapped && registry.soundsByName[mapped]) return mapped
    if (!unknown.has(name)) {
      unknown.add(name)
      serv.warn?.(`[sounds] no 1.21.4 sound for '${name}'; not played`)
    }
    return null
  }

  function playSound (sound, world, position, { whitelist, blacklist = [], radius = DEFAULT_RADIUS, volume = 1, pitch = 1, soundCategory } = {}) {
    const name = modernName(sound)
    if (!name) return
    if (whitelist === undefined && !position) return
    const players = whitelist !== undefined ? [].concat(whitelist) : serv.getNearby({ world, position, radius })
    for (const player of players) {
      if (!player?._client || blacklist.includes(player)) continue
      const at = position || player.position || new Vec3(0, 0, 0)
      player._client.write('sound_effect', {
        sound: { data: { soundName: name } },
        soundCategory: typeof soundCategory === 'string' ? soundCategory : categoryOf(name),
        x: Math.floor(at.x * 8),
        y: Math.floor(at.y * 8),
        z: Math.floor(at.z * 8),
        volume,
        pitch,
        seed: 0n
      })
    }
  }

  // flying-squid's sound ids are minecraft-data's: play the sound of that name.
  function playSoundId (soundId, world, position, options) {
    const name = registry.sounds[soundId]?.name
    if (name) playSound(name, world, position, options)
  }

  // flying-squid's sound plugin defines its versions while the server loads, after the project's plugins.
  const install = () => {
    serv.playSound = playSound
    serv.playSoundId = playSoundId
  }
  install()
  serv.once('asap', install)
}

/** The sound category (soundSource) vanilla plays a sound in. */
function categoryOf (name) {
  if (name.startsWith('block.')) return 'block'
  if (name.startsWith('entity.player.') || name === 'entity.item.pickup') return 'player'
  if (name.startsWith('entity.')) return 'neutral'
  if (name.startsWith('music')) return 'music'
  if (name.startsWith('weather.')) return 'weather'
  if (name.startsWith('ambient.')) return 'ambient'
  return 'master'
}
