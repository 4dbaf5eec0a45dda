'use strict'
// eat:<food>: eat a food from the inventory when hungry, and wait for the server's food update.
const { SkillError, clientFailure } = require('../lib/errors')
const { sleep, abortable } = require('../lib/cancel')

async function eat (ctx, target) {
  const { bot, signal } = ctx
  const item = bot.inventory.items().find(i => i.name === target)
  if (!item) throw new SkillError('missing_items', `no ${target} in the inventory`)
  if (bot.food >= 20) throw new SkillError('failed', `not hungry: food is full (${bot.food}/20), ${target} cannot be eaten now`)
  const foodBefore = bot.food
  if (bot.heldItem?.type !== item.type) await abortable(signal, bot.equip(item, 'hand'))
  // the held slot can lag the equip; consuming with an empty hand throws inside mineflayer
  for (const t = Date.now(); bot.heldItem?.type !== item.type && Date.now() - t < 1000;) await sleep(signal, 50)
  if (bot.heldItem?.type !== item.type) throw new SkillError('failed', `could not take ${target} in hand to eat it`)
  ctx.progress(`eating ${target} (food ${foodBefore}/20)`)
  try {
    await abortable(signal, bot.consume(), () => { try { bot.deactivateItem() } catch {} })
  } catch (err) {
    if (signal.aborted) throw signal.reason
    throw clientFailure(`eating ${target}`, err)
  }
  const start = Date.now() // the food update can come just after the item is used up
  while (bot.food === foodBefore && Date.now() - start < 1000) await sleep(signal, 50)
  return { ate: target, food_before: foodBefore, food_after: bot.food }
}

module.exports = {
  verb: 'eat',
  target: 'item',
  description: target => `eat ${target} from the inventory to restore hunger (only when not full)`,
  args: {},
  validTarget: (target, registry) => Object.hasOwn(registry.foodsByName ?? {}, target) && Object.hasOwn(registry.itemsByName, target),
  run: (ctx, target) => eat(ctx, target)
}
