'use strict'
// A packet the server fails to serialize must cost that one packet, not the player's connection.
// In minecraft-protocol a serialization error destroys the connection's serializer stream: every later
// write to that player is silently dropped while the socket stays open, so the player stays listed, the
// world keeps ticking, and the client waits forever (the check-world flake of issue 2). Here such a packet
// is logged with its name and dropped, and the stream goes on.
module.exports.player = function (player, serv) {
  const serializer = player._client.serializer
  if (!serializer || serializer.__guarded) return
  serializer.__guarded = true
  serializer._transform = function (packet, encoding, callback) {
    let buffer
    try {
      buffer = this.createPacketBuffer(packet)
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
