'use strict'
// The 1.21.4 clientbound packets for a living entity, written the way the vanilla server writes them.
// flying-squid 1.12.0 gets several of these wrong for 1.21.4: it sends no entity metadata at all on
// 1.20.2+, uses the pre-1.21.2 entity_teleport fields, and its damage path sends the old `animation` hurt
// packet; mobs are therefore spawned and moved with these helpers instead.

const DELTA_UNITS = 4096 // entity_move_look deltas are in 1/4096 block
const MAX_DELTA = 32767 / DELTA_UNITS // about 8 blocks; larger jumps are sent as absolute positions
const VELOCITY_UNITS = 8000 // entity_velocity: 1/8000 block per tick

const STATUS_DEATH = 3 // entity_status: plays the death animation (mineflayer emits entityDead)

/** Degrees to the protocol's signed angle byte (256 steps per turn). */
function angleByte (degrees) {
  let b = Math.round(((degrees % 360) + 360) % 360 * 256 / 360) & 255
  if (b > 127) b -= 256
  return b
}

/** `at` is where the other viewers were last told the mob is, so later deltas apply the same for all. */
function spawnPacket (mob, at = mob.position) {
  return {
    entityId: mob.id,
    objectUUID: mob.uuid,
    type: mob.entityType,
    x: at.x,
    y: at.y,
    z: at.z,
    pitch: 0,
    yaw: angleByte(mob.yawDegrees),
    headPitch: angleByte(mob.yawDegrees), // for living entities this field is the head yaw
    objectData: 0,
    velocity: { x: 0, y: 0, z: 0 }
  }
}

/** Metadata entries by name ({ health: { type: 'float', value: 10 } }) -> protocol entries by index. */
function metadataEntries (metadataKeys, byName) {
  const entries = []
  for (const [name, { type, value }] of Object.entries(byName)) {
    const key = metadataKeys.indexOf(name)
    if (key >= 0) entries.push({ key, type, value })
  }
  return entries
}

function metadataPacket (mob, byName) {
  return { entityId: mob.id, metadata: metadataEntries(mob.mobKind.metadataKeys, byName) }
}

/**
 * The movement packet taking a client from `known` (the last position it was told) to `position`.
 * Returns [name, packet, newKnown]; newKnown is quantised the way the client applies the delta, so errors
 * never accumulate.
 */
function movePacket (mob, known, position, onGround) {
  const dx = Math.round((position.x - known.x) * DELTA_UNITS)
  const dy = Math.round((position.y - known.y) * DELTA_UNITS)
  const dz = Math.round((position.z - known.z) * DELTA_UNITS)
  const yaw = angleByte(mob.yawDegrees)
  if (Math.abs(dx) > 32767 || Math.abs(dy) > 32767 || Math.abs(dz) > 32767) {
    return ['sync_entity_position', {
      entityId: mob.id,
      x: position.x,
      y: position.y,
      z: position.z,
      dx: 0,
      dy: 0,
      dz: 0,
      yaw: mob.yawDegrees,
      pitch: 0,
      onGround
    }, { x: position.x, y: position.y, z: position.z }]
  }
  const newKnown = { x: known.x + dx / DELTA_UNITS, y: known.y + dy / DELTA_UNITS, z: known.z + dz / DELTA_UNITS }
  return ['entity_move_look', { entityId: mob.id, dX: dx, dY: dy, dZ: dz, yaw, pitch: 0, onGround }, newKnown]
}

function headRotationPacket (mob) {
  return { entityId: mob.id, headYaw: angleByte(mob.yawDegrees) }
}

/** velocity in blocks/tick */
function velocityPacket (mob, velocity) {
  const clamp = v => Math.max(-32768, Math.min(32767, Math.round(v * VELOCITY_UNITS)))
  return { entityId: mob.id, velocity: { x: clamp(velocity.x), y: clamp(velocity.y), z: clamp(velocity.z) } }
}

/** damage_event: the 1.19.4+ way to show a hurt entity (red flash, mineflayer's entityHurt). */
function damageEventPacket (mob, damageTypeId, attacker) {
  return {
    entityId: mob.id,
    sourceTypeId: damageTypeId,
    sourceCauseId: attacker ? attacker.id + 1 : 0, // id + 1, 0 = none
    sourceDirectId: attacker ? attacker.id + 1 : 0,
    sourcePosition: undefined
  }
}

function deathStatusPacket (mob) {
  return { entityId: mob.id, entityStatus: STATUS_DEATH }
}

/** Index of a damage type in the registry the server sent at login (registry_data order), or 0. */
function damageTypeId (registry, name) {
  try {
    const entries = registry.loginPacket.dimensionCodec['minecraft:damage_type'].entries
    const i = entries.findIndex(e => e.key === 'minecraft:' + name)
    return i >= 0 ? i : 0
  } catch (err) {
    return 0
  }
}

module.exports = {
  angleByte,
  spawnPacket,
  metadataEntries,
  metadataPacket,
  movePacket,
  headRotationPacket,
  velocityPacket,
  damageEventPacket,
  deathStatusPacket,
  damageTypeId,
  MAX_DELTA
}
