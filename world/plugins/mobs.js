'use strict'
// Passive mobs: herds of cows, sheep, pigs and chickens on grass near spawn and near exploring players,
// wandering with a cheap server-side brain, hurt by player attacks with vanilla damage, knockback and
// invulnerability, dying with their vanilla loot and 1-3 XP for the killer.
//
// Why flying-squid's own mobs cannot be used on 1.21.4: minecraft-data types cows, sheep and pigs as
// 'animal', not 'mob', so `/summon cow` matches neither branch of flying-squid's summon command and does
// nothing, and serv.spawnMob throws (it looks the type up in registry.mobs, which only holds the 9
// entities typed 'mob'); the entity metadata is never sent on 1.20.2+; the entity_teleport fields are
// pre-1.21.2; its entity physics makes a spawned mob bounce forever; and its attack handler deals 1 damage
// whatever is held. So mobs are spawned, moved and hurt here (see ../mobs/), while staying flying-squid
// entities (serv.entities, selectors, its player-side spawn/despawn tracking).
//
// API (serv.mobs):
//   ready                          Promise, resolved once the initial herds stand near spawn
//   center                         the point the initial herds are placed around (the world spawn)
//   initialHerds                   [{ kind, home, positions }] as placed at start (deterministic per seed)
//   list()                         live mobs (flying-squid entities with .name, .position, .health)
//   get(id)                        a mob by entity id (also while it plays its death animation), or null
//   spawn(kind, world, pos, opts)  spawn one mob ({ yaw, home }); null if the kind is unknown or full
//   teleport(mob, pos)             move a mob (tests, assists)
//   hurt(mob, amount, attacker?)   damage it as an attack would (attacker: a player or null)
//   refill({ ignoreCooldown })     run the periodic respawn check now (Promise of the mobs it spawned)
// Also serv.spawnMob for these kinds is routed here, and /summon cow|sheep|pig|chicken works (op only).
// settings.passiveMobs === false: no herds at start and no respawning (a quiet stage for other tests).
// Events: serv.emit('mobKilled', { mob, kind, killer, drops, xp }).
const crypto = require('crypto')
const { Vec3 } = require('vec3')
const { kindInfo, KIND_NAMES } = require('../mobs/kinds')
const { Terrain } = require('../mobs/terrain')
const packets = require('../mobs/packets')
const brain = require('../mobs/brain')
const body = require('../mobs/body')
const combat = require('../mobs/combat')
const { placeHerd, INITIAL_HERDS } = require('../mobs/spawner')
const { createRandom } = require('../util/random')
const { findSpawn } = require('../generator/spawn')
const { getDamage, setDamage } = require('../util/item_components')

const DEFAULT_SPAWN_CENTER = new Vec3(15, 0, 15) // if findSpawn fails: flying-squid's own spawn area
const SPAWN_AREA = { minR: 8, maxR: 48 }
const EXPLORE_AREA = { minR: 24, maxR: 56 } // new herds near a player: out of reach, within view
const NEARBY_CAP = 20 // passive mobs within ACTIVE_RANGE of a player; below it herds come back slowly
const GLOBAL_CAP = 64 // beyond this the mobs farthest from every player are removed
const ACTIVE_RANGE = 128 // mobs farther than this from every player stand still (and cost nothing)
const RESPAWN_CHECK_TICKS = 200
const RESPAWN_COOLDOWN_TICKS = 600 // at most one new herd per player per 30 s
const DEATH_ANIMATION_TICKS = 20
const KILL_CREDIT_TICKS = 100 // vanilla: XP only if a player hit the mob in its last 5 seconds
const REACH = 6 // blocks from the eyes to the mob's box (vanilla: 3, plus the server's 3-block tolerance)
const EYE_HEIGHT = 1.62
const RESPAWN_WEIGHTS = { cow: 3, sheep: 2, pig: 2, chicken: 1 } // leather matters most (books)

module.exports.server = function (serv, settings) {
  const { registry } = serv
  const Item = require('prismarine-item')(registry)
  const terrain = new Terrain(registry)
  const kinds = {}
  for (const name of KIND_NAMES) {
    const info = kindInfo(registry, name)
    if (info) kinds[name] = info
  }
  const kindByTypeId = new Map(Object.values(kinds).map(k => [k.typeId, k]))
  const grass = registry.blocksByName.grass_block
  const grassStates = new Set()
  for (let s = grass.minStateId; s <= grass.maxStateId; s++) grassStates.add(s)
  const playerAttackType = packets.damageTypeId(registry, 'player_attack')
  const genericType = packets.damageTypeId(registry, 'generic')

  const mobs = new Map() // entity id -> mob entity (alive or in its death animation)
  let tick = 0
  let spawnRng = null // created from the world seed once the world exists
  let aiRng = null
  let lootRng = null
  const lastHerdTick = new Map() // player -> tick of the last herd spawned near them
  const log = (msg) => (serv.warn || serv.info || console.log).call(serv, `[mobs] ${msg}`)
  const logError = (msg) => (serv.err || console.error).call(serv, `[mobs] ${msg}`)

  function seedOf () {
    const seed = Number(settings.generation?.options?.seed ?? serv.overworld?.seed ?? 0)
    return Number.isFinite(seed) ? seed : 0
  }

  /**
   * Where players start: serv.spawnCenter if a plugin sets it, else the generator's world spawn for the
   * seed (what plugins/spawn_point.js gives players, on either world).
   */
  function spawnCenter () {
    if (serv.spawnCenter) return serv.spawnCenter
    try {
      const s = findSpawn({ seed: seedOf(), registry })
      if (s && Number.isFinite(s.x) && Number.isFinite(s.z)) return new Vec3(s.x, s.y || 0, s.z)
    } catch (err) {
      logError(`generator findSpawn: ${err.message}`)
    }
    return DEFAULT_SPAWN_CENTER
  }

  function ensureRandom () {
    if (spawnRng) return
    const seed = seedOf()
    spawnRng = createRandom((seed ^ 0x6d6f6273) >>> 0) // 'mobs'
    aiRng = createRandom((seed ^ 0x62726169) >>> 0)
    lootRng = createRandom((seed ^ 0x6c6f6f74) >>> 0)
  }

  // ---- packets to the players that have the mob spawned ------------------------------------------------

  function writeViewers (mob, name, packet) {
    if (serv.isClosed) return
    for (const player of mob.viewers) {
      if (player.disconnected) {
        mob.viewers.delete(player)
        continue
      }
      try {
        player._client.write(name, packet)
      } catch (err) {
        logError(`writing ${name} to ${player.username}: ${err.message}`)
      }
    }
  }

  function spawnMetadata (mob) {
    return packets.metadataPacket(mob, { health: { type: 'float', value: mob.health }, ...(mob.mobKind.metadata || {}) })
  }

  // flying-squid decides who sees which entity (player.spawnEntity / despawnEntities); we follow it
  function onSpawnedFor (player, entity) {
    const mob = mobs.get(entity?.id)
    if (!mob || mob !== entity) return
    mob.viewers.add(player)
    try {
      player._client.write('entity_metadata', spawnMetadata(mob))
    } catch (err) {
      logError(`metadata to ${player.username}: ${err.message}`)
    }
  }

  function onDespawnedFor (player, entities) {
    for (const e of entities || []) {
      const mob = mobs.get(e?.id)
      if (mob === e) mob.viewers.delete(player)
    }
  }

  function forgetViewer (player) {
    for (const mob of mobs.values()) mob.viewers.delete(player)
    lastHerdTick.delete(player)
  }

  // ---- life cycle ----------------------------------------------------------------------------------------

  function spawn (kindName, world, position, { yaw, home } = {}) {
    const kind = kinds[String(kindName).replace(/^minecraft:/, '')]
    if (!kind || !world || !position) return null
    ensureRandom()
    let mob
    try {
      mob = serv.initEntity('mob', kind.typeId, world, new Vec3(position.x, position.y, position.z))
    } catch (err) {
      log(`cannot spawn ${kind.name}: ${err.message}`)
      return null
    }
    mob.uuid = crypto.randomUUID()
    mob.name = kind.name
    mob.displayName = registry.entitiesByName[kind.name].displayName
    mob.mobKind = kind
    mob.yawDegrees = yaw ?? aiRng.next() * 360
    mob.yaw = packets.angleByte(mob.yawDegrees)
    mob.pitch = 0
    mob.headPitch = 0
    mob.velocity = new Vec3(0, 0, 0) // read by generic code; `size` stays unset so flying-squid's physics skips it
    mob.health = kind.maxHealth
    mob.maxHealth = kind.maxHealth
    mob.bodyCells = Math.ceil(kind.height)
    mob.onGround = true
    mob.home = (home || position).clone()
    mob.ai = brain.newBrain(aiRng)
    mob.hurtState = {}
    mob.viewers = new Set()
    mob.dead = false
    mob.active = true
    mob.metadata = []
    mob.known = { x: mob.position.x, y: mob.position.y, z: mob.position.z } // what every viewer was told
    mob.knownYaw = mob.yaw
    mob.getSpawnPacket = () => packets.spawnPacket(mob, mob.known)
    mob.takeDamage = ({ damage = 1 } = {}) => hurt(mob, damage, null) // /kill and other server code
    mob.destroy = () => remove(mob)
    mobs.set(mob.id, mob)
    mob.updateAndSpawn()
    return mob
  }

  function remove (mob) {
    if (!mobs.has(mob.id)) return
    writeViewers(mob, 'entity_destroy', { entityIds: [mob.id] })
    mob.viewers.clear()
    mobs.delete(mob.id)
    if (serv.entities[mob.id] === mob) delete serv.entities[mob.id]
  }

  function teleport (mob, position) {
    if (!mob || mob.dead || !position) return
    mob.position = new Vec3(position.x, position.y, position.z)
    mob.ai.target = null
    mob.ai.knock = null
    mob.ai.vy = 0
    mob.onGround = false
    sendMove(mob)
    mob.updateAndSpawn()
  }

  // ---- damage and death ------------------------------------------------------------------------------------

  /** Returns true if the hit counted (vanilla LivingEntity.hurt). */
  function hurt (mob, amount, attacker, { knockback = 0.4, looting = 0 } = {}) {
    if (!mob || mob.dead || !(amount > 0)) return false
    const hit = combat.filterHit(mob.hurtState, amount, tick)
    if (!hit) return false
    mob.health = Math.max(0, mob.health - hit.amount)
    mob.active = true
    const byPlayer = attacker && attacker.type === 'player'
    if (byPlayer) mob.lastPlayerHit = { player: attacker, tick }
    if (hit.fresh) {
      writeViewers(mob, 'damage_event', packets.damageEventPacket(mob, byPlayer ? playerAttackType : genericType, attacker))
      if (attacker && attacker.position) knockBack(mob, attacker.position, knockback)
      brain.onHurt(mob)
    }
    writeViewers(mob, 'entity_metadata', packets.metadataPacket(mob, { health: { type: 'float', value: mob.health } }))
    if (mob.health <= 0) die(mob, looting)
    return true
  }

  function knockBack (mob, from, strength) {
    let dx = mob.position.x - from.x
    let dz = mob.position.z - from.z
    const len = Math.sqrt(dx * dx + dz * dz)
    if (len < 1e-4) {
      dx = aiRng.next() - 0.5
      dz = aiRng.next() - 0.5
    }
    const norm = Math.sqrt(dx * dx + dz * dz)
    mob.ai.knock = { x: dx / norm * strength, z: dz / norm * strength }
    if (mob.onGround) mob.ai.vy = Math.min(0.4, mob.ai.vy / 2 + strength)
    writeViewers(mob, 'entity_velocity', packets.velocityPacket(mob, { x: mob.ai.knock.x, y: mob.ai.vy, z: mob.ai.knock.z }))
  }

  function die (mob, looting) {
    mob.dead = true
    mob.removeAt = tick + DEATH_ANIMATION_TICKS
    mob.ai.target = null
    writeViewers(mob, 'entity_status', packets.deathStatusPacket(mob))
    // out of serv.entities at once: no new player gets a live-looking corpse, no selector finds it
    if (serv.entities[mob.id] === mob) delete serv.entities[mob.id]

    const drops = dropLoot(mob, looting)
    const credit = mob.lastPlayerHit && tick - mob.lastPlayerHit.tick <= KILL_CREDIT_TICKS ? mob.lastPlayerHit.player : null
    let xp = 0
    if (credit && !credit.disconnected) {
      xp = lootRng.int(mob.mobKind.xp[0], mob.mobKind.xp[1])
      if (typeof credit.giveXp === 'function') credit.giveXp(xp)
      else logError('player.giveXp is missing (plugin experience.js): kill XP lost')
    }
    serv.emit('mobKilled', { mob, kind: mob.name, killer: credit, drops, xp })
  }

  function dropLoot (mob, looting) {
    const drops = combat.rollLoot(mob.mobKind.loot, lootRng, looting)
    if (typeof serv.dropItem !== 'function') {
      logError(`serv.dropItem is missing (plugin item_entities.js): ${mob.name} loot lost`)
      return []
    }
    for (const { item, count } of drops) {
      const def = registry.itemsByName[item]
      if (!def) {
        logError(`unknown loot item ${item}`)
        continue
      }
      try {
        serv.dropItem(mob.world, mob.position.offset(0, 0.25, 0), new Item(def.id, count))
      } catch (err) {
        logError(`dropping ${item}: ${err.stack || err}`)
      }
    }
    return drops
  }

  // ---- player attacks --------------------------------------------------------------------------------------

  /** Handles use_entity when it concerns a mob of ours; returns false to let flying-squid handle it. */
  function onUseEntity (player, packet) {
    const target = packet?.target
    if (!Number.isInteger(target) || target < 0) return true // garbage: nothing to do
    if (target === player.id) return true // a client never targets itself
    const mob = mobs.get(target)
    if (!mob) return false // players and other entities: flying-squid's handler
    if (packet.mouse !== 1) return true // interact / interact_at: nothing to do with passive mobs yet
    attack(player, mob)
    return true
  }

  function attack (player, mob) {
    if (mob.dead || player.health <= 0 || player.gameMode === 3 || mob.world !== player.world) return
    if (distanceEyeToBox(player, mob) > REACH) {
      log(`${player.username} attacked ${mob.name} ${mob.id} out of reach`)
      return
    }
    const state = player.mobCombat
    const item = player.inventory?.slots[36 + player.heldItemSlot]
    const hit = combat.meleeHit(item, tick - state.lastAttackTick, { sprinting: state.sprinting })
    state.lastAttackTick = tick
    Promise.resolve(player.behavior('attack', { attackedEntity: mob, damage: hit.damage, velocity: new Vec3(0, 0, 0) }, () => {
      if (hurt(mob, hit.damage, player, { knockback: hit.knockback, looting: hit.looting })) wearWeapon(player, item)
    })).catch(err => logError(`attack by ${player.username}: ${err.stack || err}`))
  }

  function distanceEyeToBox (player, mob) {
    const eye = player.position.offset(0, EYE_HEIGHT, 0)
    const half = mob.mobKind.width / 2
    const p = mob.position
    const cx = Math.max(p.x - half, Math.min(eye.x, p.x + half))
    const cy = Math.max(p.y, Math.min(eye.y, p.y + mob.mobKind.height))
    const cz = Math.max(p.z - half, Math.min(eye.z, p.z + half))
    return eye.distanceTo(new Vec3(cx, cy, cz))
  }

  /** Vanilla: a sword (trident, mace) loses 1 durability per hit, other tools 2; Unbreaking may save it. */
  function wearWeapon (player, item) {
    if (!item || !item.maxDurability || player.gameMode === 1) return
    const slot = 36 + player.heldItemSlot
    if (player.inventory.slots[slot] !== item) return
    const wear = /_(sword)$|^(trident|mace)$/.test(item.name) ? 1 : 2
    const unbreaking = combat.enchantLevels(item).unbreaking || 0
    let taken = 0
    for (let i = 0; i < wear; i++) if (lootRng.next() < 1 / (unbreaking + 1)) taken++
    if (taken === 0) return
    const used = getDamage(item) + taken
    if (used >= item.maxDurability) {
      player.inventory.updateSlot(slot, null)
      serv.emit('toolBroken', { player, item })
      return
    }
    setDamage(item, used)
    player.inventory.updateSlot(slot, item)
  }

  // ---- ticking ---------------------------------------------------------------------------------------------

  function sendMove (mob) {
    const [name, packet, known] = packets.movePacket(mob, mob.known, mob.position, mob.onGround)
    const yaw = packets.angleByte(mob.yawDegrees)
    const movedAny = name !== 'entity_move_look' || packet.dX !== 0 || packet.dY !== 0 || packet.dZ !== 0 || yaw !== mob.knownYaw
    if (movedAny) writeViewers(mob, name, packet)
    mob.known = known
    if (yaw !== mob.knownYaw) {
      writeViewers(mob, 'entity_head_rotation', packets.headRotationPacket(mob))
      mob.knownYaw = yaw
      mob.yaw = yaw
    }
    // flying-squid spawns/despawns entities for players as they come into its range
    if (mob.position.distanceTo(mob.lastPositionPlayersUpdated) > 2) mob.updateAndSpawn()
  }

  function refreshActive () {
    for (const mob of mobs.values()) {
      mob.active = serv.players.some(p => p.world === mob.world && horizontalDistance(p.position, mob.position) <= ACTIVE_RANGE)
    }
  }

  function tickMobs () {
    tick++
    if (tick % 20 === 0) refreshActive()
    for (const mob of mobs.values()) {
      if (mob.dead) {
        if (tick >= mob.removeAt) remove(mob)
        continue
      }
      if (serv.entities[mob.id] !== mob) { // removed by other code (serv.destroyEntity): forget it too
        remove(mob)
        continue
      }
      if (!mob.active) continue
      brain.think(mob, terrain, aiRng, tick)
      if (body.step(mob, terrain, tick)) sendMove(mob)
    }
    if (tick % RESPAWN_CHECK_TICKS === 0 && spawnRng && initialDone && settings.passiveMobs !== false) {
      respawnHerds().catch(err => logError(`respawn: ${err.stack || err}`))
    }
  }

  let tickErrors = 0
  serv.on('tick', () => {
    if (serv.isClosed) return
    try {
      tickMobs()
    } catch (err) {
      if (tickErrors++ < 10) logError(`tick: ${err.stack || err}`)
    }
  })

  // ---- herds -----------------------------------------------------------------------------------------------

  let initialDone = false
  const initialHerds = []

  async function spawnInitialHerds () {
    ensureRandom()
    const world = serv.overworld
    const center = spawnCenter()
    api.center = center.clone()
    const generateColumn = async (cx, cz) => { await world.getColumn(cx, cz); return true }
    let total = 0
    for (const kindName of INITIAL_HERDS) {
      const kind = kinds[kindName]
      if (!kind || total >= NEARBY_CAP) continue
      const herd = await placeHerd({ world, terrain, grassStates, rng: spawnRng, kind, center, ...SPAWN_AREA, maxSize: NEARBY_CAP - total, ensureColumn: generateColumn })
      if (!herd) continue
      const positions = []
      for (const m of herd.members) {
        if (spawn(kindName, world, m.position, { yaw: m.yaw, home: herd.home })) positions.push(m.position.clone())
      }
      total += positions.length
      initialHerds.push({ kind: kindName, home: herd.home, positions })
    }
    initialDone = true
    serv.info?.(`[mobs] ${total} passive mobs in ${initialHerds.length} herds near spawn`)
  }

  /** Near every player with fewer than the cap around them, one new herd now and then. */
  async function respawnHerds ({ ignoreCooldown = false } = {}) {
    const live = [...mobs.values()].filter(m => !m.dead)
    trimFarMobs(live)
    const spawned = []
    for (const player of [...serv.players]) {
      if (player.disconnected || player.world !== serv.overworld) continue
      if (!ignoreCooldown && tick - (lastHerdTick.get(player) ?? -Infinity) < RESPAWN_COOLDOWN_TICKS) continue
      const near = live.filter(m => m.world === player.world && horizontalDistance(m.position, player.position) <= ACTIVE_RANGE)
      if (near.length > NEARBY_CAP - 2) continue
      const kind = kinds[leastRepresented(near)]
      const loadedOnly = async (cx, cz) => !!player.world.getLoadedColumn(cx, cz)
      const avoid = spot => serv.players.some(p => p.world === player.world && horizontalDistance(p.position, spot) < EXPLORE_AREA.minR - 8)
      const herd = await placeHerd({ world: player.world, terrain, grassStates, rng: spawnRng, kind, center: player.position, ...EXPLORE_AREA, maxSize: NEARBY_CAP - near.length, ensureColumn: loadedOnly, avoid })
      if (!herd) continue
      lastHerdTick.set(player, tick)
      for (const m of herd.members) {
        const mob = spawn(kind.name, player.world, m.position, { yaw: m.yaw, home: herd.home })
        if (mob) spawned.push(mob)
      }
    }
    return spawned
  }

  function leastRepresented (near) {
    let best = null
    let bestScore = Infinity
    for (const name of Object.keys(kinds)) {
      const score = near.filter(m => m.name === name).length / (RESPAWN_WEIGHTS[name] || 1)
      if (score < bestScore) {
        best = name
        bestScore = score
      }
    }
    return best
  }

  /** Above the global cap, the mobs farthest from every player go first. */
  function trimFarMobs (live) {
    if (live.length <= GLOBAL_CAP) return
    const distanceToPlayers = m => Math.min(Infinity, ...serv.players.filter(p => p.world === m.world).map(p => horizontalDistance(p.position, m.position)))
    const ranked = live.map(m => [m, distanceToPlayers(m)]).filter(([, d]) => d > ACTIVE_RANGE).sort((a, b) => b[1] - a[1])
    for (const [m] of ranked.slice(0, live.length - GLOBAL_CAP)) remove(m)
  }

  // ---- wiring into flying-squid ------------------------------------------------------------------------------

  let resolveReady
  const ready = new Promise(resolve => { resolveReady = resolve })
  let started = false
  function start () {
    if (started) return
    started = true
    if (settings.passiveMobs === false) { // a stage without animals (spawn/summon still work)
      initialDone = true
      resolveReady()
      return
    }
    spawnInitialHerds()
      .catch(err => logError(`initial herds: ${err.stack || err}`))
      .finally(() => { initialDone = true; resolveReady() })
  }
  // the world exists once every plugin is loaded; herds are placed before anyone can log in and look
  serv.once('pluginsReady', start)

  setImmediate(() => {
    // spawn.js (loaded after us) defines serv.spawnMob and /summon: route our kinds here
    const stockSpawnMob = serv.spawnMob
    serv.spawnMob = (type, world, position, opts = {}) => {
      const kind = kindByTypeId.get(type)
      if (kind) return spawn(kind.name, world, position, { yaw: opts.yaw })
      return stockSpawnMob(type, world, position, opts)
    }
    const stockSummon = serv.commands?.hash?.summon?.params
    if (stockSummon) {
      serv.commands.add({
        ...stockSummon,
        action (name, ctx) {
          const kindName = String(name || '').trim().replace(/^minecraft:/, '')
          if (kinds[kindName]) {
            const p = ctx.player
            const mob = spawn(kindName, p.world, p.position.clone(), { yaw: p.yaw })
            return mob ? `Summoned new ${mob.displayName}` : 'Could not summon ' + kindName
          }
          return stockSummon.action(name, ctx)
        }
      })
    }
  })

  const api = serv.mobs = {
    ready,
    center: null,
    initialHerds,
    kinds: Object.keys(kinds),
    list: () => [...mobs.values()].filter(m => !m.dead),
    get: id => mobs.get(id) || null,
    spawn,
    teleport,
    hurt,
    refill: respawnHerds, // the periodic check, now: a herd near each player below the cap (returns the new mobs)
    _onSpawnedFor: onSpawnedFor,
    _onDespawnedFor: onDespawnedFor,
    _forgetViewer: forgetViewer,
    _onUseEntity: onUseEntity,
    _tick: () => tick
  }
}

module.exports.player = function (player, serv) {
  const api = serv.mobs
  if (!api) return
  player.mobCombat = { lastAttackTick: -1000, sprinting: false }

  // flying-squid assigns these after our hook runs; follow every assignment so each spawn/despawn of a mob
  // for this player is seen exactly once, whoever else wraps them (item_entities wraps spawnEntity)
  followCalls(player, 'spawnEntity', (entity) => api._onSpawnedFor(player, entity))
  followCalls(player, 'despawnEntities', (entities) => api._onDespawnedFor(player, entities))
  player.on('disconnected', () => api._forgetViewer(player))

  player._client.on('held_item_slot', () => { player.mobCombat.lastAttackTick = api._tick() }) // vanilla resets the cooldown
  player._client.on('entity_action', (packet) => {
    if (packet?.actionId === 3) player.mobCombat.sprinting = true
    else if (packet?.actionId === 4) player.mobCombat.sprinting = false
  })

  setImmediate(() => {
    // run before flying-squid's pvp handler, which deals 1 damage whatever is held and uses 1.8-era packets
    const stock = player._client.listeners('use_entity')
    player._client.removeAllListeners('use_entity')
    player._client.on('use_entity', (packet) => {
      let handled
      try {
        handled = api._onUseEntity(player, packet)
      } catch (err) {
        serv.err?.(`[mobs] use_entity from ${player.username}: ${err.stack || err}`)
        handled = true
      }
      if (handled) return
      for (const listener of stock) {
        try {
          listener.call(player._client, packet)
        } catch (err) {
          serv.err?.(`[mobs] use_entity (flying-squid) from ${player.username}: ${err.stack || err}`)
        }
      }
    })
  })
}

/**
 * Make obj[name] a property whose value, whatever function is assigned to it later, calls `after(...args)`
 * once after the outermost call returns. Wrappers that call the previous value (captured by reading the
 * property) do not trigger it twice.
 */
function followCalls (obj, name, after) {
  let impl = obj[name]
  let depth = 0
  const wrappers = new WeakMap()
  const wrap = (fn) => {
    if (typeof fn !== 'function') return fn
    if (!wrappers.has(fn)) {
      wrappers.set(fn, function (...args) {
        depth++
        let result
        try {
          result = fn.apply(this, args)
        } finally {
          depth--
        }
        if (depth === 0) after(...args)
        return result
      })
    }
    return wrappers.get(fn)
  }
  Object.defineProperty(obj, name, {
    configurable: true,
    enumerable: true,
    get: () => wrap(impl),
    set: (fn) => { impl = fn }
  })
}

function horizontalDistance (a, b) {
  const dx = a.x - b.x
  const dz = a.z - b.z
  return Math.sqrt(dx * dx + dz * dz)
}
