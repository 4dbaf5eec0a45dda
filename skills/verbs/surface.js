'use strict'
// surface: going back up. After digging down for iron or diamonds, the surface still has what the tree
// needs (water, sugar cane, cows, logs). The bot climbs in legs of a few blocks (each a bounded path search
// that may dig and pillar), until it stands under the open sky. Where no path up is found it digs a staircase
// up by hand (skills/lib/escape.js), and only then tries a short walk sideways.
const { SkillError } = require('../lib/errors')
const { throwIfAborted } = require('../lib/cancel')
const { goals, goto } = require('../lib/pathing')
const { climbStairs } = require('../lib/escape')

const LEG = 10 // blocks up per path search: short legs keep each search small
const MAX_LEGS = 40

/** The top solid block of the bot's column, among loaded blocks (null when the column is not known). */
function surfaceY (bot) {
  const p = bot.entity.position.floored()
  for (let y = 319; y > p.y; y--) {
    const b = bot.blockAt(p.offset(0, y - p.y, 0))
    if (b && b.boundingBox === 'block' && !b.name.includes('leaves')) return y
  }
  return null
}

function underOpenSky (bot) {
  const top = surfaceY(bot)
  return top === null || top < bot.entity.position.y
}

module.exports = {
  verb: 'surface',
  target: 'none',
  description: () => 'climb back up to the surface, under the open sky, digging and building steps as needed',
  args: {},
  validTarget: () => true,
  deadlineMs: 300000, // up to 40 legs of a bounded path search that may dig and pillar
  async run (ctx) {
    const { bot } = ctx
    const startY = Math.floor(bot.entity.position.y)
    let stuck = 0
    for (let leg = 0; leg < MAX_LEGS && !underOpenSky(bot); leg++) {
      throwIfAborted(ctx.signal)
      const y = Math.floor(bot.entity.position.y)
      const top = surfaceY(bot) ?? y + LEG
      try {
        await goto(ctx, new goals.GoalY(Math.min(top + 1, y + LEG)))
        stuck = 0
      } catch (err) {
        if (!(err instanceof SkillError) || err.kind !== 'unreachable') throw err
        // No path up from here within the bounds: a staircase dug by hand, else a short walk sideways.
        const climbed = await climbStairs(ctx, LEG, () => underOpenSky(bot)).catch(e => {
          if (ctx.signal.aborted || !(e instanceof SkillError)) throw e
          ctx.log(e.message)
          return 0
        })
        if (climbed > 0) { stuck = 0; continue }
        if (++stuck > 3) throw new SkillError('unreachable', `no way up found from y ${y}`)
        const p = bot.entity.position
        const side = stuck % 2 ? 1 : -1
        await goto(ctx, new goals.GoalNearXZ(p.x + 6 * side, p.z + 6 * side, 2)).catch(err => { if (ctx.signal.aborted) throw err })
      }
      ctx.progress(`climbing: y ${Math.floor(bot.entity.position.y)}`)
    }
    if (!underOpenSky(bot)) throw new SkillError('unreachable', 'still under cover after the climb')
    return { from_y: startY, to_y: Math.floor(bot.entity.position.y) }
  }
}
