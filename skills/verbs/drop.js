'use strict'
// drop:<item>: keeping the inventory usable. A staircase to diamond level fills it with cobblestone and
// deepslate, and a full inventory picks nothing up: drop tosses the surplus of one item, keeping `keep` of it.
const { SkillError } = require('../lib/errors')
const { abortable, throwIfAborted } = require('../lib/cancel')
const { count } = require('../lib/inventory')

module.exports = {
  verb: 'drop',
  target: 'item',
  description: target => `throw away the ${String(target).replace(/_/g, ' ')} beyond what is kept, to free inventory space`,
  args: { keep: { type: 'integer', min: 0, max: 2304, default: 64 } },
  validTarget: (target, registry) => Object.hasOwn(registry.itemsByName, target),
  async run (ctx, target, args) {
    const { bot, signal } = ctx
    const have = count(bot, target)
    if (have <= args.keep) throw new SkillError('missing_items', `only ${have} ${target}, keeping ${args.keep}: nothing to drop`)
    // Smallest stacks first, so the kept part stays in full stacks; the counts are read again after each
    // toss (the server may merge or split stacks meanwhile).
    for (let tries = 0; tries < 64 && count(bot, target) > args.keep; tries++) {
      throwIfAborted(signal)
      const surplus = count(bot, target) - args.keep
      const stack = bot.inventory.items().filter(i => i.name === target).sort((a, b) => a.count - b.count)[0]
      await abortable(signal, bot.toss(stack.type, null, Math.min(stack.count, surplus)))
    }
    return { dropped: have - count(bot, target), kept: count(bot, target) }
  }
}
