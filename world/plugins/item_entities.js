'use strict'
// Dropped items as vanilla has them: an item entity that carries its item stack in metadata (so mineflayer's
// entity.getDroppedItem() and the `itemDrop` event work), falls, can be picked up after a short delay
// (whole stacks, partially when the inventory is nearly full), and despawns after five minutes.
// Stock flying-squid sends no entity metadata on 1.20.2+ and picks up one item at a time.
const { Vec3 } = require('vec3')

const PICKUP_DELAY_MS = 500 // vanilla: 10 ticks
const DESPAWN_MS = 5 * 60 * 1000
const ITEM_METADATA_KEY = 8 // 'item' in minecraft-data's metadataKeys for the item entity (1.21.4)

module.exports.server = function (serv) {
  const { registry } = serv
  const Item = require('prismarine-item')(registry)
  const itemEntityType = registry.entitiesByName.item.id

  /** Spawn an item entity holding `item` (a prismarine-item Item) at `position`. */
  serv.dropItem = (world, position, item, { velocity, pickupDelayMs = PICKUP_DELAY_MS } = {}) => {
    if (!item || item.count <= 0) return null
    const entity = serv.initEntity('object', itemEntityType, world, position.clone())
    entity.uuid = require('crypto').randomUUID()
    entity.name = 'item'
    entity.data = 1
    entity.pitch = 0
    entity.yaw = 0
    entity.velocity = velocity ? velocity.clone() : randomPopVelocity()
    entity.gravity = new Vec3(0, -20, 0)
    entity.terminalvelocity = new Vec3(27, 27, 27)
    entity.friction = new Vec3(15, 0, 15)
    entity.size = new Vec3(0.25, 0.25, 0.25)
    entity.item = item
    entity.itemId = item.type // read by flying-squid's spawn code
    entity.itemCount = item.count
    entity.pickupTime = pickupDelayMs
    entity.deathTime = DESPAWN_MS
    entity.metadata = [itemMetadata(item)]
    entity.updateAndSpawn()
    return entity
  }

  function randomPopVelocity () {
    return new Vec3(Math.random() * 2 - 1, 3 + Math.random(), Math.random() * 2 - 1)
  }

  function itemMetadata (item) {
    return { key: ITEM_METADATA_KEY, type: 'item_stack', value: Item.toNotch(item) }
  }

  serv.itemMetadataFor = itemMetadata
  serv.sendItemEntityMetadata = (entity, players) => {
    const packet = { entityId: entity.id, metadata: [itemMetadata(entity.item)] }
    for (const p of players) p._client.write('entity_metadata', packet)
  }
}

module.exports.player = function (player, serv) {
  const { registry } = serv
  const Item = require('prismarine-item')(registry)

  /** Put `item` into the inventory the way a pickup does; returns how many did not fit. */
  function addToInventory (item) {
    let left = item.count
    const inv = player.inventory
    const order = [...range(36, 45), ...range(9, 36)] // hotbar first, as vanilla
    for (const slot of order) { // top up matching stacks first
      const s = inv.slots[slot]
      if (left > 0 && s && Item.equal(s, item, false) && s.count < s.stackSize) {
        const moved = Math.min(left, s.stackSize - s.count)
        s.count += moved
        left -= moved
        inv.updateSlot(slot, s)
      }
    }
    for (const slot of order) {
      if (left > 0 && !inv.slots[slot]) {
        const moved = Math.min(left, item.stackSize)
        const stack = new Item(item.type, moved, item.metadata, item.nbt)
        if (item.components) stack.components = item.components
        inv.updateSlot(slot, stack)
        left -= moved
      }
    }
    return left
  }

  player.giveItem = (item) => {
    const left = addToInventory(item)
    if (left > 0) {
      const rest = new Item(item.type, left, item.metadata, item.nbt)
      serv.dropItem(player.world, player.position.offset(0, 1, 0), rest, { pickupDelayMs: 2000 })
    }
  }

  function collect (entity) {
    if (!entity.item || entity.collected || player.health <= 0) return
    const before = entity.item.count
    const left = addToInventory(entity.item)
    const taken = before - left
    if (taken === 0) return // inventory full: the item stays on the ground
    player._writeNearby('collect', { collectedEntityId: entity.id, collectorEntityId: player.id, pickupItemCount: taken })
    if (left === 0) {
      entity.collected = true
      entity.destroy()
    } else {
      entity.item.count = left
      entity.itemCount = left
      serv.sendItemEntityMetadata(entity, serv.getNearby(entity))
    }
    serv.emit('itemCollected', { player, item: new Item(entity.item.type, taken, entity.item.metadata) })
  }

  setImmediate(() => {
    // flying-squid's entity tick calls player.collect for the first player within 1.75 blocks once the
    // pickup delay is over; ours takes the whole stack instead of one item.
    player.collect = collect
    const spawnEntity = player.spawnEntity
    player.spawnEntity = (entity) => {
      spawnEntity(entity)
      if (entity.item) serv.sendItemEntityMetadata(entity, [player])
    }
  })
}

function * range (a, b) { for (let i = a; i < b; i++) yield i }
