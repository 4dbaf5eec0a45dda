'use strict'
// Seeded pseudo-random numbers for server rules (drop chances, XP rolls) so that a world seed plus the same
// sequence of actions gives the same outcomes. mulberry32: tiny, fast and good enough for game rolls.

function createRandom (seed) {
  let state = (Number(seed) >>> 0) || 0x9e3779b9
  function next () {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    /** integer in [min, max], both inclusive */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: p => next() < p
  }
}

module.exports = { createRandom }
