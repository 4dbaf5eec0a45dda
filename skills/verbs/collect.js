'use strict'
// collect:<item>: pick up dropped items of one kind lying nearby, nearest first, skipping those out of reach.
const { SkillError } = require('../lib/errors')
const { throwIfAborted } = require('../lib/cancel')
const { inventoryCounts, gainedOf } = require('../lib/inventory')
const { itemEntities, pickUpNear } = require('../lib/pickup')

const ITEM_RADIUS = 32 // how far dropped items are looked for

async function collect (ctx, target, { count }) {
  const { bot, signal } = ctx
  const before = inventoryCounts(bot)
  const gained = () => gainedOf(before, inventoryCounts(bot), [target])
  const lying = itemEntities(bot, bot.entity.position, ITEM_RADIUS, [target])
  if (lying.length === 0) throw new SkillError('not_found', `no dropped ${target} within ${ITEM_RADIUS} blocks`)
  ctx.progress(`${lying.length} dropped ${target} nearby`)
  const skipped = new Set()
  for (let round = 0; round < 32 && gained() < count; round++) {
    throwIfAborted(signal)
    const left = itemEntities(bot, bot.entity.position, ITEM_RADIUS, [target]).filter(e => !skipped.has(e.id))
    if (left.length === 0) break
    const e = left[0]
    const picked = await pickUpNear(ctx, e.position.clone(), { names: [target], radius: 0.01, maxItems: 1, settleMs: 0, maxMs: 8000 })
    if (!picked) skipped.add(e.id)
    else ctx.progress(`picked up ${target}: ${gained()} so far`)
  }
  const got = gained()
  if (got === 0) throw new SkillError('unreachable', `could not reach any of the ${lying.length} dropped ${target}`)
  return { gained: got }
}

module.exports = {
  verb: 'collect',
  target: 'item',
  description: target => `walk to nearby dropped ${target} items lying on the ground and pick them up`,
  args: { count: { type: 'integer', min: 1, max: 64, default: 64 } },
  validTarget: (target, registry) => Object.hasOwn(registry.itemsByName, target),
  run: collect
}
