'use strict'
// findBlocks on the survival world: within a small radius exactly the nearest blocks a cell-by-cell scan
// finds; within the skills' 48 blocks, blocks of the kind asked, nearest first, each at least as near as
// the one of the same rank that mineflayer's bot.findBlocks returns (it can skip nearer sections).
const assert = require('node:assert/strict')
const test = require('node:test')
const { worldTest, offlineRegistry } = require('./test_world')
const { findBlocks, stateIdsOf } = require('./find_blocks')

test('every state of a block counts as that block (a log on its side, flowing water)', () => {
  const registry = offlineRegistry()
  for (const [name, states] of [['oak_log', 3], ['water', 16], ['stone', 1]]) {
    const ids = stateIdsOf(registry, [registry.blocksByName[name].id])
    assert.equal(ids.size, states, name)
    for (const s of ids) assert.equal(registry.blocksByStateId[s].name, name)
  }
})

worldTest('findBlocks on the survival world', { timeout: 120000, seed: 3, username: 'finder', exitAfter: true }, async (t, { bot }) => {
  await bot.waitForChunksToLoad()
  const p = bot.entity.position.floored()
  const dists = list => list.map(q => Number(q.distanceTo(p).toFixed(6)))
  const scan = (name, r) => {
    const all = []
    for (let x = -r; x <= r; x++) {
      for (let y = -r; y <= r; y++) {
        for (let z = -r; z <= r; z++) {
          const q = p.offset(x, y, z)
          if (q.distanceTo(p) <= r && bot.blockAt(q)?.name === name) all.push(q)
        }
      }
    }
    return dists(all).sort((a, b) => a - b)
  }

  for (const [name, r, count] of [['stone', 12, 64], ['dirt', 12, 40], ['water', 16, 16], ['grass_block', 10, 500], ['bedrock', 16, 5]]) {
    await t.test(`${name}: the nearest ${count} within ${r}, as a cell-by-cell scan finds them`, () => {
      const ours = findBlocks(bot, [bot.registry.blocksByName[name].id], { maxDistance: r, count })
      assert.deepEqual(dists(ours), scan(name, r).slice(0, count))
    })
  }

  for (const name of ['stone', 'oak_log', 'birch_log', 'iron_ore', 'diamond_ore', 'sugar_cane']) {
    await t.test(`${name} within 48: nearest first, never farther than mineflayer's`, () => {
      const ids = [bot.registry.blocksByName[name].id]
      const t0 = performance.now()
      const theirs = bot.findBlocks({ matching: ids, maxDistance: 48, count: 64 })
      const t1 = performance.now()
      const ours = findBlocks(bot, ids, { maxDistance: 48, count: 64 })
      const t2 = performance.now()
      for (const q of ours) assert.equal(bot.blockAt(q).name, name)
      const d = dists(ours)
      assert.deepEqual(d, [...d].sort((a, b) => a - b))
      assert.ok(ours.length >= theirs.length, `${ours.length} < ${theirs.length}`)
      dists(theirs).sort((a, b) => a - b).forEach((x, i) => assert.ok(d[i] <= x + 1e-9, `rank ${i}: ${d[i]} > ${x}`))
      t.diagnostic(`${ours.length} found; mineflayer ${(t1 - t0).toFixed(1)} ms, ours ${(t2 - t1).toFixed(1)} ms`)
    })
  }
})
