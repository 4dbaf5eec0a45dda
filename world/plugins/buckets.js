'use strict'
// Buckets as vanilla 1.21.4 has them, and the lava/water meetings that make obsidian.
//
// Vanilla acts on a bucket only through the `use_item` packet (mineflayer: bot.activateItem()): the server
// casts a ray from the player's eyes along the rotation the packet carries, up to the block interaction range
// (4.5 blocks). An empty bucket stops at the first fluid SOURCE (flowing fluid is looked through) or solid
// block and fills only from a source; a full bucket looks through all fluids and empties into the block in
// front of the face it hit (or into that block itself when it is waterloggable and the bucket holds water).
// `block_place` (bot.activateBlock) does nothing with a bucket in vanilla (BucketItem has no useOn), so it
// does nothing here either; flying-squid's own block_place handler finds no block named after a bucket
// and places nothing.
//
// Fluids do not flow here. What vanilla does when lava is updated is kept: lava touched by water from above
// or a side becomes obsidian if it is a source and cobblestone otherwise, and lava above water turns that
// water into stone. flying-squid sends a block update to the neighbours of every changed block, so this
// holds for water poured from a bucket, lava poured next to water, and blocks dug away between them.
const { Vec3 } = require('vec3')
const { rollBlockDrops } = require('../vanilla/block_loot')
const { createRandom } = require('../util/random')

const REACH = 4.5 // vanilla default of the block_interaction_range attribute
const EYE_HEIGHT = 1.62
const EYE_HEIGHT_SNEAKING = 1.27
const MAIN_HAND = 0
const OFF_HAND = 1
const OFF_HAND_SLOT = 45

const FILLED_BY = { water: 'water_bucket', lava: 'lava_bucket', bubble_column: 'water_bucket', powder_snow: 'powder_snow_bucket' }
const FLUID_OF = { water_bucket: 'water', lava_bucket: 'lava' }
// Blocks a ray passes through as if they were air (no outline shape).
const NO_OUTLINE = new Set(['air', 'cave_air', 'void_air', 'light', 'structure_void', 'moving_piston'])
// Blocks whose fluid is water though they are not water blocks nor have a waterlogged property.
const ALWAYS_WATERLOGGED = new Set(['bubble_column', 'kelp', 'kelp_plant', 'seagrass', 'tall_seagrass'])

// Lava checks up and the four sides for water (vanilla LiquidBlock.shouldSpreadLiquid), not down.
const LAVA_WATCHES = [new Vec3(0, 1, 0), new Vec3(0, 0, -1), new Vec3(0, 0, 1), new Vec3(-1, 0, 0), new Vec3(1, 0, 0)]

module.exports.server = function (serv) {
  const { registry } = serv
  const Block = require('prismarine-block')(registry)
  const state = name => registry.blocksByName[name].defaultState
  const random = createRandom(0x5eed)

  const isWater = block => block.name === 'water' || ALWAYS_WATERLOGGED.has(block.name) ||
    block.getProperties().waterlogged === true
  const fluidLevel = block => Number(block.getProperties().level ?? 0)

  async function onLavaUpdate (world, block) {
    const pos = block.position
    for (const d of LAVA_WATCHES) {
      if (isWater(await world.getBlock(pos.plus(d)))) {
        await serv.setBlock(world, pos, state(fluidLevel(block) === 0 ? 'obsidian' : 'cobblestone'))
        return false // setBlock already told the players
      }
    }
    const belowPos = pos.offset(0, -1, 0)
    const below = await world.getBlock(belowPos)
    if (below.name === 'water') await serv.setBlock(world, belowPos, state('stone')) // lava flowing down into it
    return false
  }

  // flying-squid's block update plugin is loaded by the time every server plugin has run.
  setImmediate(() => serv.onBlockUpdate('lava', (world, block) => onLavaUpdate(world, block).catch(err => {
    serv.warn?.(`lava update at ${block.position}: ${err.message}`)
    return false
  })))

  /** Break a block a fluid washes away, dropping its loot as vanilla's destroyBlock(pos, true) does. */
  async function washAway (world, pos, block) {
    await serv.setBlock(world, pos, 0)
    if (!serv.dropItem) return
    const Item = require('prismarine-item')(registry)
    for (const drop of rollBlockDrops({ blockName: block.name, registry, random })) {
      const def = registry.itemsByName[drop.name]
      if (def && drop.count > 0) serv.dropItem(world, pos.offset(0.5, 0.25, 0.5), new Item(def.id, drop.count))
    }
  }

  function withProperties (block, props) {
    return Block.fromProperties(block.name, { ...block.getProperties(), ...props }, 0).stateId
  }

  serv.buckets = { isWater, withProperties, washAway, REACH }
}

module.exports.player = function (player, serv) {
  const { registry } = serv
  const Item = require('prismarine-item')(registry)
  const stateOf = name => registry.blocksByName[name].defaultState
  const minY = () => player.world.minY ?? -64
  const maxY = () => minY() + (player.world.worldHeight ?? 384)

  // One bucket action at a time per player: each one reads the hand, awaits the world, then changes both,
  // and two in flight could fill the same bucket twice.
  let queue = Promise.resolve()
  player._client.on('use_item', (packet) => {
    queue = queue.then(() => useBucket(packet)).catch(err => {
      serv.warn?.(`bucket use by ${player.username} failed: ${err && err.stack ? err.stack : err}`)
    })
  })

  async function useBucket (packet) {
    const hand = packet?.hand
    if (hand !== MAIN_HAND && hand !== OFF_HAND) return
    if (player.gameMode >= 2 || !(player.health > 0)) return // adventure and spectator cannot, nor the dead
    const slot = hand === OFF_HAND ? OFF_HAND_SLOT : 36 + player.heldItemSlot
    const stack = player.inventory.slots[slot]
    if (!stack || !(stack.name === 'bucket' || FLUID_OF[stack.name])) return
    const countBefore = stack.count

    const dir = viewVector(packet.rotation)
    if (!dir) return
    const eye = player.position.offset(0, player.crouching ? EYE_HEIGHT_SNEAKING : EYE_HEIGHT, 0)
    const empty = stack.name === 'bucket'
    const hit = await raycast(eye, dir, REACH, empty)
    if (!hit) return

    // the hand may have changed while the world was read (a window click, a slot change)
    const stillHeld = () => player.inventory.slots[slot] === stack && stack.count === countBefore &&
      (hand === OFF_HAND || slot === 36 + player.heldItemSlot)
    if (empty) await fill(hit, slot, stack, stillHeld)
    else await pour(hit, slot, stack, FLUID_OF[stack.name], stillHeld)
  }

  /** Unit vector of a Notchian yaw/pitch in degrees (vanilla Entity.calculateViewVector), or null. */
  function viewVector (rotation) {
    let yaw = rotation?.x
    let pitch = rotation?.y
    if (rotation === undefined) {
      // a packet without rotation (older protocols): the last look, kept by flying-squid in 1/256 turns
      yaw = player.yaw * 360 / 256
      pitch = player.pitch * 360 / 256
    }
    if (!Number.isFinite(yaw) || !Number.isFinite(pitch)) return null
    pitch = Math.max(-90, Math.min(90, pitch))
    const y = yaw * Math.PI / 180
    const p = pitch * Math.PI / 180
    return new Vec3(-Math.sin(y) * Math.cos(p), -Math.sin(p), Math.cos(y) * Math.cos(p))
  }

  /**
   * Walk the blocks along the ray (Amanatides-Woo). sourcesOnly: stop at fluid sources (empty bucket);
   * otherwise look through all fluids (full bucket). Every other block with an outline stops the ray as a
   * full cube. Returns {pos, block, face} with face the unit normal of the side the ray entered, or null.
   */
  async function raycast (origin, dir, maxDist, sourcesOnly) {
    const pos = origin.floored()
    const step = [Math.sign(dir.x), Math.sign(dir.y), Math.sign(dir.z)]
    const o = [origin.x, origin.y, origin.z]
    const d = [dir.x, dir.y, dir.z]
    const cell = [pos.x, pos.y, pos.z]
    const tMax = [0, 1, 2].map(i => d[i] === 0 ? Infinity : ((step[i] > 0 ? cell[i] + 1 : cell[i]) - o[i]) / d[i])
    const tDelta = [0, 1, 2].map(i => d[i] === 0 ? Infinity : Math.abs(1 / d[i]))
    let face = null
    for (let guard = 0; guard < 64; guard++) {
      const p = new Vec3(cell[0], cell[1], cell[2])
      if (p.y >= minY() && p.y < maxY()) {
        const block = await player.world.getBlock(p)
        // eyes inside the block: vanilla hits it on the side facing back along the ray's main axis
        if (stopsRay(block, sourcesOnly)) return { pos: p, block, face: face ?? mainAxisFace(d) }
      }
      const axis = tMax[0] < tMax[1] ? (tMax[0] < tMax[2] ? 0 : 2) : (tMax[1] < tMax[2] ? 1 : 2)
      if (tMax[axis] > maxDist) return null
      cell[axis] += step[axis]
      tMax[axis] += tDelta[axis]
      face = new Vec3(axis === 0 ? -step[0] : 0, axis === 1 ? -step[1] : 0, axis === 2 ? -step[2] : 0)
    }
    return null
  }

  function mainAxisFace (d) {
    const a = d.map(Math.abs)
    const axis = a[0] >= a[1] && a[0] >= a[2] ? 0 : (a[1] >= a[2] ? 1 : 2)
    const f = [0, 0, 0]
    f[axis] = -Math.sign(d[axis])
    return new Vec3(f[0], f[1], f[2])
  }

  function stopsRay (block, sourcesOnly) {
    if (NO_OUTLINE.has(block.name)) return false
    if (block.name === 'water' || block.name === 'lava') return sourcesOnly && isSource(block)
    if (block.name === 'bubble_column') return sourcesOnly
    return true
  }

  const isSource = block => Number(block.getProperties().level ?? 0) === 0
  const isFluidBlock = block => block.name === 'water' || block.name === 'lava' || block.name === 'bubble_column'
  const waterloggable = block => typeof block.getProperties().waterlogged === 'boolean'

  /** Empty bucket: take the source the ray stopped at (BucketPickup); anything else does nothing. */
  async function fill ({ pos, block }, slot, stack, stillHeld) {
    let newState
    let filled
    const fluidBlock = block.name === 'water' || block.name === 'lava'
    if (fluidBlock ? isSource(block) : FILLED_BY[block.name]) {
      filled = FILLED_BY[block.name]
      newState = 0
    } else if (block.getProperties().waterlogged === true) {
      filled = 'water_bucket'
      newState = serv.buckets.withProperties(block, { waterlogged: false })
    } else {
      return
    }
    if (!stillHeld()) return
    if (!takeResult(slot, stack, filled)) return
    await serv.setBlock(player.world, pos, newState)
  }

  /** Full bucket: put a source of `fluid` where the ray points (BucketItem.emptyContents). */
  async function pour ({ pos, block, face }, slot, stack, fluid, stillHeld) {
    const beside = pos.plus(face)
    const first = fluid === 'water' && waterloggable(block) ? pos : beside
    let target = first
    let plan = await placement(target, fluid)
    if (!plan && !target.equals(beside)) {
      target = beside
      plan = await placement(target, fluid)
    }
    if (!plan) return
    if (!stillHeld()) return
    if (!takeResult(slot, stack, 'bucket')) return
    if (plan.washAway) await serv.buckets.washAway(player.world, target, plan.block)
    await serv.setBlock(player.world, target, plan.state)
  }

  /** How `fluid` goes into the block at `pos`: {state, washAway, block}, or null when it cannot. */
  async function placement (pos, fluid) {
    if (pos.y < minY() || pos.y >= maxY()) return null
    const block = await player.world.getBlock(pos)
    if (fluid === 'water' && waterloggable(block)) {
      if (block.getProperties().waterlogged) return null // already full: vanilla tries the next block
      return { state: serv.buckets.withProperties(block, { waterlogged: true }), washAway: false, block }
    }
    const source = stateOf(fluid)
    if (NO_OUTLINE.has(block.name) || isFluidBlock(block)) return { state: source, washAway: false, block }
    // non-solid blocks (plants, torches, rails...) are washed away and drop their loot
    if (block.boundingBox === 'empty') return { state: source, washAway: true, block }
    return null
  }

  /**
   * Swap one item of the bucket stack in `slot` for `resultName` (ItemUtils.createFilledResult): the result
   * replaces a lone bucket in the hand, or goes into the inventory (dropped when full) when the hand holds a
   * stack. Creative keeps its hand as it is. Returns false when nothing could be done without losing items.
   */
  function takeResult (slot, stack, resultName) {
    if (player.gameMode === 1) return true
    const result = new Item(registry.itemsByName[resultName].id, 1)
    if (stack.count <= 1) {
      player.inventory.updateSlot(slot, result)
      return true
    }
    if (!player.giveItem) return false // the item plugin is missing: refuse rather than lose the result
    stack.count -= 1
    player.inventory.updateSlot(slot, stack)
    player.giveItem(result)
    return true
  }
}

module.exports.REACH = REACH
