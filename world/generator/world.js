'use strict'
// One generated world per (seed, registry): the terrain functions, resolved block states and a chunk maker.
// Shared by the flying-squid generator entry (index.js), the spawn finder and the ore census.
const { seedToInt } = require('./noise')
const { createTerrain } = require('./terrain')
const { blockStates, buildChunkData, toChunk } = require('./build')

const { minecraft: VERSION } = require('../vanilla/versions.json')
const worlds = new Map()

function defaultRegistry () {
  return require('prismarine-registry')(VERSION)
}

function getWorld ({ seed, registry } = {}) {
  registry = registry || defaultRegistry()
  const seedInt = seedToInt(seed ?? 0)
  let perRegistry = worlds.get(registry)
  if (!perRegistry) {
    perRegistry = new Map()
    worlds.set(registry, perRegistry)
  }
  let world = perRegistry.get(seedInt)
  if (world) return world
  const terrain = createTerrain(seedInt)
  const states = blockStates(registry)
  const Chunk = require('prismarine-chunk')(registry)
  world = {
    seedInt,
    registry,
    terrain,
    states,
    Chunk,
    // The flat state-id array of a chunk (index (y+64)<<8 | z<<4 | x), for tools and tests.
    chunkData: (cx, cz) => buildChunkData(terrain, states, cx, cz),
    // A prismarine-chunk Chunk, as flying-squid wants it.
    chunk: (cx, cz) => toChunk(Chunk, buildChunkData(terrain, states, cx, cz))
  }
  perRegistry.set(seedInt, world)
  return world
}

module.exports = { getWorld, defaultRegistry, VERSION }
