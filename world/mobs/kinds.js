'use strict'
// The passive mobs the embedded world spawns, with vanilla (Java 1.21) values.
//
// Loot is written here by hand: minecraft-data 3.117's entityLoot for 1.21.4 lists the right items but
// gives every one a stack size of [1, 1] and omits the sheep's wool, so its counts cannot be used.
// `count: [min, max]` is uniform and inclusive, as the vanilla loot tables roll it (before Looting).

const KINDS = {
  cow: {
    maxHealth: 10,
    movementSpeed: 0.2, // generic.movement_speed attribute
    panicSpeed: 2.0, // PanicGoal speed modifier
    loot: [{ item: 'leather', count: [0, 2] }, { item: 'beef', count: [1, 3] }],
    xp: [1, 3]
  },
  sheep: {
    maxHealth: 8,
    movementSpeed: 0.23,
    panicSpeed: 1.25,
    // an unsheared sheep drops one wool block of its colour; all spawned sheep are white
    loot: [{ item: 'white_wool', count: [1, 1], noLooting: true }, { item: 'mutton', count: [1, 2] }],
    xp: [1, 3],
    metadata: { wool: { type: 'byte', value: 0 } } // low nibble = dye colour (0 white), 0x10 = sheared
  },
  pig: {
    maxHealth: 10,
    movementSpeed: 0.25,
    panicSpeed: 1.25,
    loot: [{ item: 'porkchop', count: [1, 3] }],
    xp: [1, 3]
  },
  chicken: {
    maxHealth: 4,
    movementSpeed: 0.25,
    panicSpeed: 1.4,
    loot: [{ item: 'feather', count: [0, 2] }, { item: 'chicken', count: [1, 1] }],
    xp: [1, 3]
  }
}

// Blocks per tick at speed modifier 1. A vanilla mob walking with movement speed s reaches about
// 0.43·s blocks per tick on ordinary ground (cow: ~1.7 blocks/s); close enough for wandering herds.
const GROUND_SPEED_FACTOR = 0.43

/** Per-kind data merged with the entity's size and id from minecraft-data. */
function kindInfo (registry, name) {
  const base = KINDS[name]
  const entity = registry.entitiesByName[name]
  if (!base || !entity) return null
  return {
    name,
    typeId: entity.id,
    width: entity.width,
    height: entity.height,
    metadataKeys: entity.metadataKeys,
    walkSpeed: base.movementSpeed * GROUND_SPEED_FACTOR,
    panicWalkSpeed: base.movementSpeed * GROUND_SPEED_FACTOR * base.panicSpeed,
    ...base
  }
}

module.exports = { KINDS, kindInfo, KIND_NAMES: Object.keys(KINDS) }
