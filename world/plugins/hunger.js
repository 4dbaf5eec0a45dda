'use strict'
// Hunger and eating as vanilla 1.21.4 has them (FoodData, Player.causeFoodExhaustion, consumable items),
// so that mineflayer's bot.food / bot.foodSaturation / bot.consume() work unchanged.
//
// State per player: player.food (0..20) and player.foodSaturation (0..food), the fields flying-squid's
// update_health packet already carries (player.updateFood / updateFoodSaturation keep working as fixtures),
// and player.hunger.exhaustion. Exhaustion comes from sprinting on the ground (0.1 per metre), jumping
// (0.05, 0.2 when sprinting), breaking a block (0.005), an attack (0.1), taking damage through
// entity.takeDamage (0.1) and healing (below). Each 4.0 of it takes 1 saturation point, or 1 food point
// once saturation is 0 (not on peaceful).
// Each tick (FoodData.tick): with food 20 and saturation left, a hurt player heals min(saturation, 6)/6 HP
// every 10 ticks for as much exhaustion; with food >= 18, 1 HP every 80 ticks for 6 exhaustion; with food 0
// starvation hurts 1 HP every 80 ticks, down to 10 HP on easy (the embedded server's difficulty), 1 HP on
// normal, to death on hard.
// Eating: `use_item` with a food in hand starts eating when food < 20 (or always for golden apples, chorus
// fruit, honey bottles, suspicious stew; creative always, without using the item up); after 32 ticks
// (dried kelp 16, honey bottle 40) one item is used up, food and saturation go up (food capped at 20,
// saturation at the new food level), stews leave a bowl and honey a glass bottle, and entity_status 9
// (eating finished) tells the client. Switching the hotbar slot, releasing the use key (block_dig status 5),
// the item leaving the hand or death cancel it.
// Not modelled: food effects (raw chicken's hunger, rotten flesh, poison, golden apple regeneration and
// absorption, chorus fruit teleport), exhaustion from swimming and walking in water, peaceful's own
// regeneration of health and food, eating sounds and the eating animation seen by other players, and the
// ominous bottle (minecraft-data lists it as a food; in vanilla it is a drink without nutrition).
const MAX_FOOD = 20
const MAX_HEALTH = 20
const START_SATURATION = 5
const EXHAUSTION_PER_POINT = 4
const MAX_EXHAUSTION = 40
const EXHAUSTION = { sprintPerMetre: 0.1, jump: 0.05, sprintJump: 0.2, blockBroken: 0.005, attack: 0.1, damage: 0.1, regen: 6 }
const REGEN_FOOD = 18 // natural regeneration needs at least this much food
const REGEN_TICKS = 80
const FAST_REGEN_MAX = 6 // saturation spent per fast heal at most (healing a sixth of it)
const FAST_REGEN_TICKS = 10
const STARVE_TICKS = 80
const DIFFICULTY = { peaceful: 0, easy: 1, normal: 2, hard: 3 }

const EAT_TICKS = 32
const EAT_TICKS_OF = { dried_kelp: 16, honey_bottle: 40 }
const ALWAYS_EDIBLE = new Set(['golden_apple', 'enchanted_golden_apple', 'chorus_fruit', 'honey_bottle', 'suspicious_stew'])
const LEFT_OVER = { mushroom_stew: 'bowl', rabbit_stew: 'bowl', beetroot_soup: 'bowl', suspicious_stew: 'bowl', honey_bottle: 'glass_bottle' }
const NOT_FOOD = new Set(['ominous_bottle'])
const EATING_FINISHED = 9 // entity_status: mineflayer's consume() resolves on it

const MAIN_HAND = 0
const OFF_HAND = 1
const OFF_HAND_SLOT = 45
const RELEASE_USE_ITEM = 5 // block_dig status
const CREATIVE = 1
const SPECTATOR = 3
// A move longer than this in one packet is a teleport (a respawn, /tp), not walking.
const TELEPORT_DISTANCE = 8

module.exports.server = function (serv) {
  serv.on('tick', () => {
    for (const player of serv.players) player.hunger?.tick()
  })
  serv.on('blockBroken', ({ player }) => player?.hunger?.exhaust(EXHAUSTION.blockBroken))
  serv.on('playerDeath', ({ player }) => player?.hunger?.stopEating())
}

module.exports.player = function (player, serv) {
  const { registry } = serv
  const Item = require('prismarine-item')(registry)
  if (!Number.isFinite(player.foodSaturation)) player.foodSaturation = START_SATURATION

  let timer = 0 // FoodData.tickTimer: ticks towards the next heal or starvation hurt
  let eating = null // { hand, slot, name, doneTick }
  const hunger = player.hunger = { exhaustion: 0, exhaust, tick, stopEating, isEating: () => eating !== null }

  // ---- exhaustion ---------------------------------------------------------------------------------------

  /** Player.causeFoodExhaustion: creative and spectator players (invulnerable) never tire. */
  function exhaust (amount) {
    if (player.gameMode === CREATIVE || player.gameMode === SPECTATOR || !(player.health > 0)) return
    hunger.exhaustion = Math.min(hunger.exhaustion + amount, MAX_EXHAUSTION)
  }

  /** Set food and saturation and send both in one update_health, as vanilla's per-tick sync does. */
  function setFood (food, saturation) {
    player.foodSaturation = saturation
    player.updateFood(food)
  }

  /** Each server tick: eating progress, then FoodData.tick (spend exhaustion, then heal or starve). */
  function tick () {
    if (!(player.health > 0)) return
    tickEating()
    if (hunger.exhaustion > EXHAUSTION_PER_POINT) {
      hunger.exhaustion -= EXHAUSTION_PER_POINT
      if (player.foodSaturation > 0) setFood(player.food, Math.max(player.foodSaturation - 1, 0))
      else if (serv.difficulty !== DIFFICULTY.peaceful) setFood(Math.max(player.food - 1, 0), player.foodSaturation)
    }
    const hurt = player.health < MAX_HEALTH
    if (hurt && player.food >= MAX_FOOD && player.foodSaturation > 0) {
      if (++timer >= FAST_REGEN_TICKS) {
        const spent = Math.min(player.foodSaturation, FAST_REGEN_MAX)
        heal(spent / FAST_REGEN_MAX)
        exhaust(spent)
        timer = 0
      }
    } else if (hurt && player.food >= REGEN_FOOD) {
      if (++timer >= REGEN_TICKS) {
        heal(1)
        exhaust(EXHAUSTION.regen)
        timer = 0
      }
    } else if (player.food <= 0) {
      if (++timer >= STARVE_TICKS) {
        if (canStarve()) player.updateHealth(player.health - 1) // starvation costs no exhaustion
        timer = 0
      }
    } else {
      timer = 0
    }
  }

  function heal (amount) {
    player.updateHealth(Math.min(player.health + amount, MAX_HEALTH))
  }

  /** Vanilla: starvation stops at 10 HP on easy, at 1 HP on normal, and kills on hard. */
  function canStarve () {
    const d = serv.difficulty
    return player.health > 10 || d === DIFFICULTY.hard || (player.health > 1 && d === DIFFICULTY.normal)
  }

  // Movement, as vanilla's server sees it in each move packet: sprinting on the ground costs per metre, and
  // leaving the ground upwards is a jump (ServerGamePacketListenerImpl.handleMovePlayer).
  let sprinting = false
  let onGround = true
  let last = null
  player._client.on('entity_action', (packet) => {
    const action = packet?.actionId
    if (action === 'start_sprinting' || action === 3) sprinting = true
    else if (action === 'stop_sprinting' || action === 4) sprinting = false
  })
  for (const name of ['position', 'position_look']) player._client.on(name, (p) => onMove(p, groundFlag(p)))
  player._client.on('flying', (p) => { onGround = groundFlag(p) })

  const groundFlag = p => Boolean(p?.flags?.onGround ?? p?.onGround)

  function onMove ({ x, y, z }, nowOnGround) {
    if (![x, y, z].every(Number.isFinite)) return
    const from = last
    last = { x, y, z }
    const wasOnGround = onGround
    onGround = nowOnGround
    if (!from) return
    const dx = x - from.x
    const dz = z - from.z
    const horizontal = Math.sqrt(dx * dx + dz * dz)
    if (horizontal > TELEPORT_DISTANCE || Math.abs(y - from.y) > TELEPORT_DISTANCE) return
    if (wasOnGround && !nowOnGround && y > from.y) exhaust(sprinting ? EXHAUSTION.sprintJump : EXHAUSTION.jump)
    // vanilla counts whole centimetres and only on the ground (checkMovementStatistics)
    else if (nowOnGround && sprinting) exhaust(EXHAUSTION.sprintPerMetre * Math.round(horizontal * 100) / 100)
  }

  // Attacks that land (flying-squid's and the mobs plugin's go through the 'attack' behaviour).
  player.on('attack_done', (data, cancelled) => { if (!cancelled) exhaust(EXHAUSTION.attack) })

  // Damage: every hurt through entity.takeDamage (assigned by flying-squid's entity plugins, wrapped once they ran).
  setImmediate(() => {
    const takeDamage = player.takeDamage
    if (typeof takeDamage !== 'function') return
    player.takeDamage = (options = {}) => {
      const alive = player.health > 0
      const result = takeDamage(options)
      if (alive && (options.damage ?? 1) > 0) exhaust(EXHAUSTION.damage)
      return result
    }
  })

  // A respawning player starts fresh (vanilla makes a new FoodData); the respawn sends the health packet.
  player.on('requestRespawn', (data, cancelled) => {
    if (cancelled) return
    stopEating()
    hunger.exhaustion = 0
    timer = 0
    last = null
    player.food = MAX_FOOD
    player.foodSaturation = START_SATURATION
  })

  // ---- eating -------------------------------------------------------------------------------------------

  function foodOf (item) {
    if (!item || NOT_FOOD.has(item.name)) return null
    return registry.foodsByName[item.name] || null
  }

  player._client.on('use_item', (packet) => {
    const hand = packet?.hand
    if (hand !== MAIN_HAND && hand !== OFF_HAND) return
    startEating(hand)
  })
  // the digging plugin replaces all block_dig listeners on the next turn of the event loop: listen after it
  setImmediate(() => {
    player._client.on('block_dig', (packet) => { if (packet?.status === RELEASE_USE_ITEM) stopEating() })
  })

  /** Start eating what the hand holds, if it is a food the player may eat now (vanilla startUsingItem). */
  function startEating (hand) {
    if (!(player.health > 0) || player.gameMode === SPECTATOR) return
    const slot = hand === OFF_HAND ? OFF_HAND_SLOT : 36 + player.heldItemSlot
    const item = player.inventory.slots[slot]
    const food = foodOf(item)
    if (!food) return
    const mayEat = player.gameMode === CREATIVE || ALWAYS_EDIBLE.has(item.name) || player.food < MAX_FOOD
    if (!mayEat) return // eating when full does nothing, as in vanilla
    eating = { hand, slot, name: item.name, doneTick: serv.tickCount + (EAT_TICKS_OF[item.name] ?? EAT_TICKS) }
  }

  function stopEating () {
    eating = null
  }

  /** Each tick: stop when the food left the hand or another hotbar slot was chosen, finish when the time is over. */
  function tickEating () {
    if (!eating) return
    if (player.inventory.slots[eating.slot]?.name !== eating.name) return stopEating()
    if (eating.hand === MAIN_HAND && eating.slot !== 36 + player.heldItemSlot) return stopEating()
    if (serv.tickCount >= eating.doneTick) finishEating()
  }

  /**
   * Eat one item. Food and the hand are updated before the eating-finished status, so that a client's
   * consume() that resolves on the status (or on the hand changing) already sees the new food level and
   * inventory; vanilla sends the status first and the food on the next tick's sync.
   */
  function finishEating () {
    const { slot, name } = eating
    stopEating()
    const item = player.inventory.slots[slot]
    const food = foodOf(item)
    const newFood = Math.min(player.food + food.foodPoints, MAX_FOOD)
    setFood(newFood, Math.min(player.foodSaturation + food.saturation, newFood))
    if (player.gameMode !== CREATIVE) useUpOne(slot, item, LEFT_OVER[name])
    player._client.write('entity_status', { entityId: player.id, entityStatus: EATING_FINISHED })
  }

  /** Take one item from the stack in `slot`; a container left over replaces it or goes to the inventory. */
  function useUpOne (slot, item, leftOverName) {
    const leftOver = leftOverName ? new Item(registry.itemsByName[leftOverName].id, 1) : null
    if (item.count <= 1) {
      player.inventory.updateSlot(slot, leftOver)
      return
    }
    item.count -= 1
    player.inventory.updateSlot(slot, item)
    if (leftOver && player.giveItem) player.giveItem(leftOver)
  }
}
