'use strict'
// Finding blocks of given kinds near a point, nearest first, by comparing state ids. mineflayer's
// bot.findBlocks builds a Block object for each of the 4096 cells of every section whose palette holds a
// target: in a profile of the bridge it was a quarter of its CPU over the expert's first decisions (mine
// searches 48 blocks around), and at a fast game clock that CPU time is game time the bot stands still.
const { Vec3 } = require('vec3')

/** Every state id of the blocks with these ids. */
function stateIdsOf (registry, ids) {
  const states = new Set()
  for (const id of ids) {
    const b = registry.blocks[id]
    if (!b) continue
    for (let s = b.minStateId ?? id; s <= (b.maxStateId ?? id); s++) states.add(s)
  }
  return states
}

/** Distance from p to the nearest point of the 16-block section whose corner is c. */
function sectionDistance (p, c) {
  const d = (v, lo) => Math.max(lo - v, 0, v - (lo + 15))
  return Math.hypot(d(p.x, c.x), d(p.y, c.y), d(p.z, c.z))
}

/**
 * Positions of blocks with one of the block `ids` within `maxDistance` of `point` (default: the bot's feet),
 * the nearest `count`, nearest first: what bot.findBlocks({ matching: ids, maxDistance, count }) returns.
 */
function findBlocks (bot, ids, { maxDistance = 16, count = 1, point = bot.entity.position } = {}) {
  const p = point.floored()
  const states = stateIdsOf(bot.registry, ids)
  const minY = bot.game.minY
  const reach = Math.ceil(maxDistance / 16) + 1
  const sections = []
  for (let sx = (p.x >> 4) - reach; sx <= (p.x >> 4) + reach; sx++) {
    for (let sz = (p.z >> 4) - reach; sz <= (p.z >> 4) + reach; sz++) {
      const column = bot.world.getColumn(sx, sz)
      if (!column) continue
      column.sections.forEach((section, i) => {
        const corner = new Vec3(sx * 16, minY + i * 16, sz * 16)
        const dist = sectionDistance(p, corner)
        if (section && dist <= maxDistance) sections.push({ section, corner, dist })
      })
    }
  }
  sections.sort((a, b) => a.dist - b.dist)
  const found = []
  const local = { x: 0, y: 0, z: 0 }
  for (const { section, corner, dist } of sections) {
    if (found.length >= count && dist > found[count - 1].d) break // nothing nearer is left
    if (section.palette && !section.palette.some(s => states.has(s))) continue
    for (local.y = 0; local.y < 16; local.y++) {
      for (local.z = 0; local.z < 16; local.z++) {
        for (local.x = 0; local.x < 16; local.x++) {
          if (!states.has(section.get(local))) continue
          const pos = corner.offset(local.x, local.y, local.z)
          const d = pos.distanceTo(p)
          if (d <= maxDistance) found.push({ pos, d })
        }
      }
    }
    found.sort((a, b) => a.d - b.d)
  }
  return found.slice(0, count).map(f => f.pos)
}

module.exports = { findBlocks, stateIdsOf }
