'use strict'
// fill_bucket:<fluid>: fill an empty bucket from the nearest source of water or lava that its ray can reach,
// walking to a spot from which it does.
const { SkillError } = require('../lib/errors')
const { throwIfAborted, stopMotion, waitUntil } = require('../lib/cancel')
const { count } = require('../lib/inventory')
const { FLUID_RANGE, SIDES, isLevel0, useBucketAt, holdItem, findSources } = require('../lib/buckets')

async function fillBucket (ctx, fluid) {
  const { bot, signal } = ctx
  throwIfAborted(signal)
  if (count(bot, 'bucket') === 0) throw new SkillError('missing_items', `fill_bucket needs an empty bucket (craft one from 3 iron_ingot)`)
  const filled = `${fluid}_bucket`
  const sources = findSources(bot, fluid)
  if (sources.length === 0) throw new SkillError('not_found', `no ${fluid} source within ${FLUID_RANGE} blocks`)
  const before = count(bot, filled)
  const budget = { walks: 6 } // path searches in all, across sources
  stopMotion(bot)
  for (const pos of sources.slice(0, 3)) {
    throwIfAborted(signal)
    const aims = [pos.offset(0.5, 0.9, 0.5), pos.offset(0.5, 0.5, 0.5), ...SIDES.map(s => pos.offset(0.5 + s.x * 0.45, 0.5, 0.5 + s.z * 0.45))]
    const accept = hit => hit.block?.name === fluid && isLevel0(hit.block)
    ctx.progress(`going to the ${fluid} source at ${pos}`)
    const used = await useBucketAt(ctx, pos, aims, true, accept, { budget, beforeUse: () => holdItem(ctx, 'bucket') })
    if (!used) continue
    if (await waitUntil(ctx, () => count(bot, filled) > before, 3000)) {
      ctx.progress(`filled a ${filled}`)
      const { x, y, z } = pos
      return { item: filled, source: { x, y, z } }
    }
  }
  throw new SkillError('unreachable', `could not get a clear line to a ${fluid} source within reach`)
}

module.exports = {
  verb: 'fill_bucket',
  target: 'fluid',
  description: target => `fill an empty bucket from the nearest ${target} source block`,
  args: {},
  validTarget: target => target === 'water' || target === 'lava',
  run: fillBucket
}
