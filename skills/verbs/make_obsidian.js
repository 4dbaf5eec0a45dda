'use strict'
// make_obsidian: pour a water bucket next to a lava source (the cheapest safe plan of lib/obsidian_plan.js),
// which turns it into obsidian, then take the water back into the bucket.
const { SkillError } = require('../lib/errors')
const { abortable, throwIfAborted, stopMotion, waitTicks, waitUntil } = require('../lib/cancel')
const { goals, goto } = require('../lib/pathing')
const { count } = require('../lib/inventory')
const { digAt } = require('../lib/digging')
const { FLUID_RANGE, EYE, SIDES, solid, keyOf, aimFrom, useBucketAt, holdItem, findSources } = require('../lib/buckets')
const { obsidianPlans, faceAims, isLava, UP, DOWN } = require('../lib/obsidian_plan')

const SCAFFOLD = ['cobblestone', 'cobbled_deepslate', 'dirt', 'stone', 'deepslate', 'netherrack', 'andesite', 'diorite', 'granite', 'tuff', 'sand', 'gravel', 'oak_planks']
const ATTEMPTS = 6

async function digCell (ctx, pos) {
  if (!(await digAt(ctx, pos))) throw new SkillError('failed', `${ctx.bot.blockAt(pos)?.name} at ${pos} did not break`)
}

/** Carry out one plan. Returns the result detail, or null when the plan did not work out (try another). */
async function pourPlan (ctx, plan, scaffold, failed) {
  const { bot, signal } = ctx
  const pairKey = `${keyOf(plan.lava)}>${keyOf(plan.spot)}`
  const feet = () => bot.entity.position.floored()
  if (!feet().equals(plan.stand)) {
    ctx.progress(`going to ${plan.stand} to pour water next to the lava at ${plan.lava}`)
    try {
      await goto(ctx, new goals.GoalBlock(plan.stand.x, plan.stand.y, plan.stand.z))
    } catch (err) {
      if (signal.aborted || !(err instanceof SkillError) || err.kind !== 'unreachable') throw err
      ctx.log?.(`no way to ${plan.stand}: ${err.message}`)
      failed.stands.add(keyOf(plan.stand))
      return null
    }
    stopMotion(bot)
    await waitTicks(ctx, 4) // let the server catch up with where the bot stands
    if (!feet().equals(plan.stand)) {
      failed.stands.add(keyOf(plan.stand))
      return null
    }
  }
  failed.pairs.add(pairKey) // whatever happens next, this pair is not tried again in this call
  if (!isLava(bot.blockAt(plan.lava))) return null
  for (const p of plan.digs) {
    throwIfAborted(signal)
    if (!solid(bot.blockAt(p))) continue
    ctx.progress(`digging ${bot.blockAt(p).name} at ${p}`)
    await digCell(ctx, p)
  }
  let placed = false
  if (plan.place && !solid(bot.blockAt(plan.place))) {
    ctx.progress(`placing ${scaffold} at ${plan.place} to pour against`)
    if (!(await holdItem(ctx, scaffold))) throw new SkillError('missing_items', `no ${scaffold} left to place`)
    const ref = bot.blockAt(plan.place.offset(0, -1, 0))
    await abortable(signal, bot.placeBlock(ref, UP)).catch(err => {
      if (signal.aborted) throw signal.reason
      ctx.log?.(`placing ${scaffold}: ${err.message}`)
    })
    await waitUntil(ctx, () => solid(bot.blockAt(plan.place)), 2000)
    if (!solid(bot.blockAt(plan.place))) return null
    placed = true
  }
  // aim from where the bot really stands, on the world as it is now
  const eye = () => bot.entity.position.offset(0, EYE, 0)
  const accept = hit => hit.pos.equals(plan.against) && hit.face?.equals(plan.normal)
  const aims = [plan.aim, ...faceAims(plan.against, plan.normal, [0.3, -0.3, 0.15, -0.15])]
  const aim = aimFrom(bot, eye(), aims, false, accept)
  if (!aim) {
    ctx.log?.(`no clear aim at ${plan.against} from ${bot.entity.position}`)
    return null
  }
  await holdItem(ctx, 'water_bucket')
  if (bot.heldItem?.name !== 'water_bucket') throw new SkillError('missing_items', 'the water_bucket is gone')
  ctx.progress(`pouring water at ${plan.spot}`)
  await abortable(signal, bot.lookAt(aim, true))
  await waitTicks(ctx, 2)
  bot.activateItem()
  bot.deactivateItem()
  const poured = await waitUntil(ctx, () => bot.blockAt(plan.spot)?.name === 'water', 3000)
  if (!poured) {
    ctx.log?.(`the water did not go to ${plan.spot}`)
    return null
  }
  const made = await waitUntil(ctx, () => bot.blockAt(plan.lava)?.name === 'obsidian', 3000)
  ctx.progress(made ? `obsidian at ${plan.lava}` : 'the lava did not turn into obsidian')
  const recovered = await takeWaterBack(ctx, plan.spot, plan.stand)
  if (!made) throw new SkillError('failed', `water poured at ${plan.spot} did not turn the lava at ${plan.lava} into obsidian`)
  const obsidian = [DOWN, ...SIDES].map(f => plan.spot.plus(f)).filter(p => bot.blockAt(p)?.name === 'obsidian')
  const { x, y, z } = plan.lava
  return {
    obsidian: { x, y, z },
    obsidian_blocks: obsidian.length,
    water_recovered: recovered,
    placed_block: placed ? scaffold : null,
    dug: plan.digs.length,
    stand: { x: plan.stand.x, y: plan.stand.y, z: plan.stand.z }
  }
}

async function makeObsidian (ctx) {
  const { bot, signal } = ctx
  throwIfAborted(signal)
  if (count(bot, 'water_bucket') === 0) {
    throw new SkillError('missing_items', 'make_obsidian needs a water_bucket (fill_bucket:water first)')
  }
  const sources = findSources(bot, 'lava', 4096)
  if (sources.length === 0) throw new SkillError('not_found', `no lava source within ${FLUID_RANGE} blocks`)
  const scaffold = SCAFFOLD.find(n => count(bot, n) > 0)
  stopMotion(bot)
  const failed = { stands: new Set(), pairs: new Set() }
  let lastPairs = 0
  let tried = 0
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    throwIfAborted(signal)
    if (ctx.deadline && Date.now() > ctx.deadline - 8000) break
    const live = attempt === 0 ? sources : sources.filter(p => isLava(bot.blockAt(p)))
    const t0 = Date.now()
    const { plans, pairs } = obsidianPlans(bot, live, scaffold, failed)
    lastPairs = pairs
    ctx.log?.(`planned ${plans.length} ways to pour (${pairs} lava edges, ${live.length} sources) in ${Date.now() - t0} ms`)
    const plan = plans[0]
    if (!plan) break
    tried++
    ctx.log?.(`plan: lava ${plan.lava}, water at ${plan.spot} against ${plan.against}${plan.place ? ' (placed)' : ''}, stand ${plan.stand}, dig ${plan.digs.length}, cost ${plan.cost.toFixed(1)}`)
    const detail = await pourPlan(ctx, plan, scaffold, failed)
    if (detail) return detail
  }
  if (lastPairs === 0 && tried === 0) {
    throw new SkillError('unreachable', `no lava source within ${FLUID_RANGE} blocks has a side or top that water can reach (${sources.length} sources seen)`)
  }
  throw new SkillError('unreachable', `found lava but no safe spot to pour water next to a lava source (${sources.length} sources seen, ${tried} tried)`)
}

/** Fill the empty bucket from the water at `spot`, from where the bot stands or a spot nearby. */
async function takeWaterBack (ctx, spot, stand) {
  const { bot, signal } = ctx
  if (bot.blockAt(spot)?.name !== 'water') return false
  const before = count(bot, 'water_bucket')
  const aims = [spot.offset(0.5, 0.5, 0.5), spot.offset(0.5, 0.9, 0.5), spot.offset(0.5, 0.15, 0.5),
    ...SIDES.map(s => spot.offset(0.5 + s.x * 0.45, 0.5, 0.5 + s.z * 0.45))]
  const accept = hit => hit.pos.equals(spot)
  const aim = aimFrom(bot, bot.entity.position.offset(0, EYE, 0), aims, true, accept)
  if (aim) {
    await holdItem(ctx, 'bucket')
    await abortable(signal, bot.lookAt(aim, true))
    await waitTicks(ctx, 2)
    bot.activateItem()
    bot.deactivateItem()
    if (await waitUntil(ctx, () => count(bot, 'water_bucket') > before, 3000)) return true
  }
  return pickUpWater(ctx, spot, new Set([keyOf(spot)]))
}

async function pickUpWater (ctx, spot, forbidden) {
  const { bot } = ctx
  if (bot.blockAt(spot)?.name !== 'water') return false
  const before = count(bot, 'water_bucket')
  const aims = [spot.offset(0.5, 0.5, 0.5), spot.offset(0.5, 0.9, 0.5), spot.offset(0.5, 0.15, 0.5),
    ...SIDES.map(s => spot.offset(0.5 + s.x * 0.45, 0.5, 0.5 + s.z * 0.45))]
  const accept = hit => hit.pos.equals(spot)
  try {
    const used = await useBucketAt(ctx, spot, aims, true, accept, { forbidden, beforeUse: () => holdItem(ctx, 'bucket') })
    if (!used) return false
    return await waitUntil(ctx, () => count(bot, 'water_bucket') > before, 3000)
  } catch (err) {
    if (ctx.signal.aborted) throw err
    ctx.log?.(`picking the water back up: ${err.message}`)
    return false
  }
}

module.exports = {
  verb: 'make_obsidian',
  target: 'none',
  description: () => 'pour a water bucket next to a lava source to turn it into obsidian, then take the water back',
  args: {},
  validTarget: () => true,
  deadlineMs: 300000, // up to six plans, each a walk, some digging, a pour and the water taken back
  run: makeObsidian
}
