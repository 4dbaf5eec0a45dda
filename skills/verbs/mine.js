'use strict'
// mine:<block>: find the nearest such block, walk there, dig it with the right tool, pick up what drops;
// repeat until `count` items of its drop were gained. Searches are bounded (48 blocks, a few dozen
// candidates, a few failed targets), every walk is a bounded path search, and every wait ends when the
// skill is aborted.
const { SkillError } = require('../lib/errors')
const { throwIfAborted } = require('../lib/cancel')
const { goals, goto } = require('../lib/pathing')
const { inventoryCounts, gainedOf } = require('../lib/inventory')
const { isFluid, chooseTool, digAt } = require('../lib/digging')
const { pickUpNear } = require('../lib/pickup')
const { findBlocks } = require('../lib/find_blocks')

const SEARCH_RADIUS = 48 // blocks around the bot searched for the target block
const SEARCH_COUNT = 64 // candidate blocks considered per search
const REACH = 4.3 // eye-to-block-centre distance the bot digs from (vanilla survival reach 4.5)
const EYE_HEIGHT = 1.62
const MAX_FAILED_TARGETS = 6 // unreachable or undiggable candidates skipped before giving up
const NOT_MINEABLE = new Set(['air', 'cave_air', 'void_air', 'water', 'lava', 'bubble_column'])
const BURIED_PENALTY = 6 // blocks of extra distance for a candidate with no open face (it must be dug to)

// A standing position from which the block centre is within `reach` of the eyes (no line-of-sight test:
// a server only checks the distance, and blocks in the way are dug by the path itself).
class GoalReach extends goals.Goal {
  constructor (pos, reach = REACH) {
    super()
    this.pos = pos
    this.reach = reach
  }

  heuristic (node) {
    const dx = node.x - this.pos.x
    const dy = node.y - this.pos.y
    const dz = node.z - this.pos.z
    return Math.max(0, Math.sqrt(dx * dx + dz * dz) + Math.abs(dy) - this.reach + 1)
  }

  isEnd (node) {
    if (node.x === this.pos.x && node.z === this.pos.z && (node.y === this.pos.y || node.y === this.pos.y - 1)) return false
    const dx = node.x + 0.5 - (this.pos.x + 0.5)
    const dy = node.y + EYE_HEIGHT - (this.pos.y + 0.5)
    const dz = node.z + 0.5 - (this.pos.z + 0.5)
    return dx * dx + dy * dy + dz * dz <= this.reach * this.reach
  }
}

function withinReach (bot, pos, reach = REACH) {
  const eye = bot.entity.position.offset(0, EYE_HEIGHT, 0)
  return eye.distanceTo(pos.offset(0.5, 0.5, 0.5)) <= reach + 0.2
}

/**
 * The blocks mine:<name> accepts: the name itself, and for ores the stone/deepslate pair (iron_ore and
 * deepslate_iron_ore are one family: both drop raw iron and need the same pickaxe).
 */
function blockFamily (registry, name) {
  if (!/_ore$/.test(name)) return [name]
  const base = name.replace(/^deepslate_/, '')
  return [name, ...[base, `deepslate_${base}`].filter(n => n !== name && registry.blocksByName[n])]
}

/** Item names a block can drop without silk touch (loot table, else minecraft-data's drops, else itself). */
function dropNames (registry, blockName) {
  const names = new Set()
  for (const d of registry.blockLoot?.[blockName]?.drops || []) if (!d.silkTouch) names.add(d.item)
  const block = registry.blocksByName[blockName]
  for (const d of block?.drops || []) {
    const id = typeof d === 'object' ? (d.drop?.id ?? d.id) : d
    if (registry.items[id]) names.add(registry.items[id].name)
  }
  if (names.size === 0 && registry.itemsByName[blockName]) names.add(blockName)
  return [...names]
}

function isOpen (block) {
  return !block || (block.boundingBox === 'empty' && !isFluid(block))
}

function exposed (bot, pos) {
  for (const [dx, dy, dz] of [[0, 1, 0], [0, -1, 0], [1, 0, 0], [-1, 0, 0], [0, 0, 1], [0, 0, -1]]) {
    if (isOpen(bot.blockAt(pos.offset(dx, dy, dz)))) return true
  }
  return false
}

/**
 * Digging straight down is only safe onto solid ground: a block right under the bot's feet column whose
 * own floor is air, water or lava is left alone (vanilla's first rule of mining).
 */
function unsafeUnderFeet (bot, pos) {
  const feet = bot.entity.position.floored()
  if (pos.x !== feet.x || pos.z !== feet.z || pos.y >= feet.y) return false
  const below = bot.blockAt(pos.offset(0, -1, 0))
  return !below || below.boundingBox !== 'block' || isFluid(below)
}

function posList (positions) {
  return positions.map(p => [p.x, p.y, p.z])
}

async function mine (ctx, target, { count }) {
  const { bot, registry, signal } = ctx
  const family = blockFamily(registry, target)
  const ids = family.map(n => registry.blocksByName[n].id)
  const drops = [...new Set(family.flatMap(n => dropNames(registry, n)))]
  const before = inventoryCounts(bot)
  const gained = () => gainedOf(before, inventoryCounts(bot), drops)
  const failed = new Set() // positions given up on
  const positions = []
  let failures = 0
  let lastError = null
  const maxDigs = count * 3 + 4 // blocks whose drops are chance-based (leaves, gravel) cannot loop forever

  while (gained() < count && positions.length < maxDigs) {
    throwIfAborted(signal)
    const here = bot.entity.position
    const candidates = findBlocks(bot, ids, { maxDistance: SEARCH_RADIUS, count: SEARCH_COUNT })
      .filter(p => !failed.has(p.toString()))
      .map(p => ({ p, score: p.offset(0.5, 0.5, 0.5).distanceTo(here) + (exposed(bot, p) ? 0 : BURIED_PENALTY) + (family.indexOf(bot.blockAt(p)?.name) > 0 ? 2 : 0) }))
      .sort((a, b) => a.score - b.score)
    if (candidates.length === 0) break
    const pos = candidates[0].p
    const block = bot.blockAt(pos)
    if (!block || !ids.includes(block.type)) { failed.add(pos.toString()); continue }
    if (unsafeUnderFeet(bot, pos)) { failed.add(pos.toString()); ctx.log(`skipping ${pos}: digging it would drop the bot into a hole or a fluid`); continue }
    chooseTool(bot, block) // fail early (missing_tool) before walking anywhere
    try {
      if (!withinReach(bot, pos)) {
        ctx.progress(`walking to ${block.name} at ${pos.x} ${pos.y} ${pos.z}`)
        await goto(ctx, new GoalReach(pos))
      }
      if (!withinReach(bot, pos, REACH + 1)) throw new SkillError('unreachable', `could not get within reach of ${block.name} at ${pos}`)
      const now = bot.blockAt(pos)
      if (!now || !ids.includes(now.type)) { failed.add(pos.toString()); continue }
      ctx.progress(`digging ${now.name} at ${pos.x} ${pos.y} ${pos.z}`)
      if (!(await digAt(ctx, pos))) throw new SkillError('failed', `${now.name} at ${pos} did not break`)
    } catch (err) {
      if (signal.aborted) throw signal.reason
      if (!(err instanceof SkillError) || err.kind === 'missing_tool') throw err
      lastError = err
      failed.add(pos.toString())
      if (++failures >= MAX_FAILED_TARGETS) break
      continue
    }
    positions.push(pos)
    await pickUpNear(ctx, pos.offset(0.5, 0.5, 0.5), { names: drops })
    ctx.progress(`${target}: ${gained()}/${count} ${drops[0] || ''} gained`)
  }

  const got = gained()
  if (got === 0) {
    if (positions.length > 0) throw new SkillError('failed', `dug ${positions.length} ${target} but picked up none of its drops (${drops.join(', ')})`)
    if (lastError) throw new SkillError(lastError.kind, `no reachable ${target} within ${SEARCH_RADIUS} blocks: ${lastError.message}`)
    throw new SkillError('not_found', `no ${family.join(' or ')} within ${SEARCH_RADIUS} blocks`)
  }
  return { gained: got, items: drops.filter(n => (inventoryCounts(bot)[n] || 0) > (before[n] || 0)), dug: positions.length, positions: posList(positions) }
}

module.exports = {
  verb: 'mine',
  target: 'block',
  description: target => `find the nearest ${target} block, walk to it, dig it with the right tool and pick up what drops` +
    (/_ore$/.test(target) ? ' (stone and deepslate variants of an ore count as the same ore)' : ''),
  args: { count: { type: 'integer', min: 1, max: 64, default: 1 } },
  validTarget: (target, registry) => {
    const b = Object.hasOwn(registry.blocksByName, target) && registry.blocksByName[target]
    return !!b && b.diggable !== false && !NOT_MINEABLE.has(target)
  },
  deadlineMs: 300000, // up to 64 blocks, each found, walked to and dug
  run: mine
}
