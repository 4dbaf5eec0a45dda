'use strict'
// A packet the server fails to serialize must cost that one packet, not the player's connection.
// In minecraft-protocol a serialization error destroys the connection's serializer stream: every later
// write to that player is silently dropped while the socket stays open, so the player stays listed, the
// world keeps ticking, and the client waits forever (the check-world flake of issue 2). Here such a packet
// is logged with its name and dropped, and the stream goes on. The one such packet seen (flying-squid's
// pre-1.21.2 entity_teleport) is translated below. A sound given by name, which minecraft-protocol writes
// with one byte left unset, gets that byte (see markInlineSound).
module.exports.player = function (player, serv) {
  translateLegacyPackets(player)
  const serializer = player._client.serializer
  if (!serializer || serializer.__guarded) return
  serializer.__guarded = true
  serializer._transform = function (packet, encoding, callback) {
    let buffer
    try {
      buffer = this.createPacketBuffer(packet)
      markInlineSound(packet, buffer)
    } catch (err) {
      serv.droppedPackets = (serv.droppedPackets || 0) + 1
      serv.warn?.(`[packet_guard] dropped unserializable '${packet?.name}' to ${player.username}: ${err.message}`)
      serv.emit('droppedPacket', { player: player.username, name: packet?.name, error: err.message })
      return callback()
    }
    this.push(buffer)
    callback()
  }
}

// flying-squid 1.12 announces another entity's long move (more than 8 blocks in one update: a teleport, a
// respawn) as `entity_teleport` with the fields it had before 1.21.2. On 1.21.4 that absolute move is
// `sync_entity_position` (entity_teleport now carries relative flags), so the old packet cannot be
// serialized: translate it.
function translateLegacyPackets (player) {
  const client = player._client
  const write = client.write.bind(client)
  client.write = (name, params) => {
    if (name === 'entity_teleport' && params && params.dx === undefined && params.flags === undefined) {
      return write('sync_entity_position', { ...params, dx: 0, dy: 0, dz: 0 })
    }
    return write(name, params)
  }
}

// A sound is a registry id + 1, or 0 followed by the sound event itself (its name and range). For the second
// form minecraft-protocol's registryEntryHolder writer skips the 0 without writing it, so the byte keeps
// whatever the buffer held and the client reads a random sound id and the rest of the packet as its fields
// ("Chunk size is 42 but only 31 was read"). The sound is the first field of both packets that carry one.
const SOUND_PACKETS = new Set(['sound_effect', 'entity_sound_effect'])

function markInlineSound (packet, buffer) {
  if (!SOUND_PACKETS.has(packet?.name) || packet.params?.sound?.soundId != null) return
  let i = 0
  while (buffer[i] & 0x80) i++ // the packet id, a varint
  buffer[i + 1] = 0
}
