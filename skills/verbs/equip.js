'use strict'
// equip:<item>: hold an item in the hand, or wear it in its armour slot, and wait until the slot shows it.
const { SkillError } = require('../lib/errors')
const { sleep, abortable } = require('../lib/cancel')

function destinationOf (name) {
  if (/_helmet$/.test(name) || name === 'carved_pumpkin') return 'head'
  if (/_chestplate$/.test(name) || name === 'elytra') return 'torso'
  if (/_leggings$/.test(name)) return 'legs'
  if (/_boots$/.test(name)) return 'feet'
  if (name === 'shield') return 'off-hand'
  return 'hand'
}

async function equip (ctx, target) {
  const { bot, signal } = ctx
  const dest = destinationOf(target)
  const slot = bot.getEquipmentDestSlot(dest)
  const worn = () => (dest === 'hand' ? bot.heldItem : bot.inventory.slots[slot])?.name === target
  if (worn()) return { equipped: target, slot: dest, already: true }
  const item = bot.inventory.items().find(i => i.name === target)
  if (!item) throw new SkillError('missing_items', `no ${target} in the inventory`)
  await abortable(signal, bot.equip(item, dest))
  const start = Date.now()
  while (!worn() && Date.now() - start < 1500) await sleep(signal, 50)
  if (!worn()) throw new SkillError('failed', `${target} did not end up in the ${dest} slot`)
  ctx.progress(`${target} equipped (${dest})`)
  return { equipped: target, slot: dest }
}

module.exports = {
  verb: 'equip',
  target: 'item',
  description: target => `hold ${target} in the hand, or wear it if it is armour`,
  args: {},
  validTarget: (target, registry) => Object.hasOwn(registry.itemsByName, target) && target !== 'air',
  run: (ctx, target) => equip(ctx, target)
}
