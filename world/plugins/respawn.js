'use strict'
// flying-squid plugin: respawning after death on 1.21.4, at the world spawn.
//
// flying-squid 1.12.0's respawn (src/lib/plugins/respawn.js) never fires on 1.21.4: the client_command
// packet's actionId arrives mapped to the string 'perform_respawn' while it compares with 0, and its
// respawn packet lacks the 1.20.5+ `worldState` container. A dead bot therefore stays dead. This plugin
// answers 'perform_respawn' itself (flying-squid's handler ignores the string, so nothing runs twice),
// still through the cancellable 'requestRespawn' behaviour, and puts the player at serv.getSpawnPoint().
module.exports.player = function (player, serv) {
  player._client.on('client_command', (data) => {
    if (!data || data.actionId !== 'perform_respawn') return
    if (!(player.health <= 0)) return // only the dead respawn
    player.behavior('requestRespawn', {}, async () => {
      const spot = await serv.getSpawnPoint(player.world)
      player.spawnPoint = spot
      player.position = spot.clone()
      sendRespawnPacket(player, serv)
      player.sendSelfPosition(spot)
      player.updateHealth(20)
      if (typeof player.updateFood === 'function') player.updateFood(20)
      if (typeof player.updateFoodSaturation === 'function') player.updateFoodSaturation(5)
      player.nearbyEntities = []
      player.updateAndSpawn()
      // The client starts a fresh level on respawn: send the chunks around the spawn again.
      player._unloadAllChunks()
      await player.worldSendRestOfChunks()
    }).catch(err => console.error('[respawn] failed:', err && err.stack ? err.stack : err))
  })
}

const GAMEMODES = ['survival', 'creative', 'adventure', 'spectator']

function sendRespawnPacket (player, serv) {
  const base = (serv.registry.loginPacket && serv.registry.loginPacket.worldState) || {}
  player._client.write('respawn', {
    worldState: {
      ...base,
      dimension: base.dimension ?? 0,
      name: serv.dimensionNames ? serv.dimensionNames[0] : 'minecraft:overworld',
      hashedSeed: serv.hashedSeed,
      gamemode: GAMEMODES[player.gameMode] || 'survival',
      previousGamemode: 255,
      isDebug: false,
      isFlat: false,
      death: undefined,
      portalCooldown: 0,
      seaLevel: 63
    },
    copyMetadata: 0
  })
}
