'use strict'
// What a mob can stand on and walk through, read synchronously from the columns the world has loaded.
// Mobs never trigger chunk generation from their tick: a column that is not loaded reads as null and the
// mob waits. Every block state is classified once into a small table so a lookup is two array reads.

const PASS = 0 // air, plants, flowers: the body fits
const SOLID = 1 // full collision box: can be stood on
const FLUID = 2 // water, lava: avoided
const BLOCKING = 3 // collides but is not a floor to walk onto (fences, walls: 1.5 high) or hurts (cactus, magma)
const DANGER = 4 // passable but harmful or trapping (fire, berry bushes, cobweb, powder snow)

const FLUID_NAMES = new Set(['water', 'lava', 'bubble_column'])
const DANGER_NAMES = new Set(['fire', 'soul_fire', 'sweet_berry_bush', 'cobweb', 'powder_snow', 'wither_rose'])
const HURTING_SOLIDS = new Set(['cactus', 'magma_block', 'campfire', 'soul_campfire'])

function classify (block) {
  if (!block) return PASS
  if (FLUID_NAMES.has(block.name)) return FLUID
  if (DANGER_NAMES.has(block.name)) return DANGER
  if (block.boundingBox !== 'block') return PASS
  if (HURTING_SOLIDS.has(block.name) || /(_fence|_wall|_fence_gate)$/.test(block.name)) return BLOCKING
  return SOLID
}

class Terrain {
  constructor (registry) {
    let maxState = 0
    for (const b of registry.blocksArray) maxState = Math.max(maxState, b.maxStateId)
    this.cellKind = new Uint8Array(maxState + 1)
    for (const b of registry.blocksArray) {
      const kind = classify(b)
      for (let s = b.minStateId; s <= b.maxStateId; s++) this.cellKind[s] = kind
    }
    this.minY = -64
    this.maxY = 319
    this._pos = { x: 0, y: 0, z: 0 } // reused: lookups are synchronous
  }

  /** Cell kind at integer block coordinates, or null when the column is not loaded. */
  cell (world, x, y, z) {
    if (y < this.minY) return SOLID // below the world: treat as bedrock, nothing falls out
    if (y > this.maxY) return PASS
    const column = world.getLoadedColumn(x >> 4, z >> 4)
    if (!column) return null
    this._pos.x = x & 15
    this._pos.y = y
    this._pos.z = z & 15
    return this.cellKind[column.getBlockStateId(this._pos)] || PASS
  }

  /** Block state id at integer block coordinates, or null when the column is not loaded. */
  stateId (world, x, y, z) {
    const column = world.getLoadedColumn(x >> 4, z >> 4)
    if (!column) return null
    return column.getBlockStateId({ x: x & 15, y, z: z & 15 })
  }

  /**
   * Feet height on top of the highest non-passable cell of column (x, z) (fluids and leaves count), or
   * null when the column is not loaded.
   */
  surface (world, x, z) {
    if (!world.getLoadedColumn(x >> 4, z >> 4)) return null
    for (let y = this.maxY; y > this.minY; y--) {
      const c = this.cell(world, x, y, z)
      if (c !== PASS && c !== DANGER) return y + 1
    }
    return this.minY + 1
  }

  /** Whether a body `cells` blocks tall fits with its feet at y (all cells passable); null if unloaded. */
  bodyFits (world, x, y, z, cells) {
    for (let i = 0; i < cells; i++) {
      const c = this.cell(world, x, y + i, z)
      if (c === null) return null
      if (c !== PASS) return false
    }
    return true
  }

  /**
   * Feet height at which a mob coming from feet height `fromY` can stand in column (x, z), stepping up at
   * most `maxUp` blocks and dropping at most `maxDown`; null if it cannot (wall, cliff, fluid, danger,
   * unloaded). Used to plan walks: the floor must be SOLID and the body must fit.
   */
  standHeight (world, x, z, fromY, cells, maxUp = 1, maxDown = 3) {
    const y0 = Math.floor(fromY + 1e-6)
    const fits = this.bodyFits(world, x, y0, z, cells)
    if (fits === null) return null
    if (fits) {
      for (let y = y0; y >= y0 - maxDown; y--) {
        const below = this.cell(world, x, y - 1, z)
        if (below === SOLID) return y
        if (below !== PASS) return null // fluid, fence or danger underneath
      }
      return null // deeper than maxDown
    }
    for (let y = y0 + 1; y <= y0 + maxUp; y++) {
      if (this.bodyFits(world, x, y, z, cells) === true && this.cell(world, x, y - 1, z) === SOLID) return y
    }
    return null
  }

  /**
   * Feet height a falling body at feet y lands on in column (x, z): the top of the first non-passable
   * cell at or below floor(y) (fluids count, so a knocked mob floats on water), or null if unloaded.
   * If the feet cell itself is filled (a block placed into the mob), the answer is above it.
   */
  floorBelow (world, x, y, z) {
    let yy = Math.floor(y + 1e-6)
    let c = this.cell(world, x, yy, z)
    if (c === null) return null
    if (c !== PASS && c !== DANGER) {
      // pushed up out of a filled cell, at most a few blocks
      for (let i = 0; i < 4 && c !== PASS && c !== DANGER; i++) {
        yy++
        c = this.cell(world, x, yy, z)
        if (c === null) return null
      }
      return yy
    }
    for (let i = 0; i < 400; i++) {
      const below = this.cell(world, x, yy - 1, z)
      if (below === null) return null
      if (below !== PASS && below !== DANGER) return yy
      yy--
    }
    return yy
  }
}

module.exports = { Terrain, PASS, SOLID, FLUID, BLOCKING, DANGER }
