'use strict'
// Turning items into other items with the world's help: smelting in a furnace, buckets (fill, and water on
// lava for obsidian), and enchanting at a table.
const path = require('path')
const { SkillError } = require('./errors')
const { goals, goto, abortable, throwIfAborted, stopMotion, inventoryCounts, count, sleep, bridgeRequire } = require('./common')
const { ensureStation, syncInventory, STATION_RANGE } = require('./stations')
const { Vec3 } = bridgeRequire('vec3')

const BRIDGE = path.join(__dirname, '..', '..', 'bridge')
const smelting = require(path.join(BRIDGE, 'server', 'data', 'smelting.js'))
const enchanting = require(path.join(BRIDGE, 'server', 'data', 'enchanting.js'))

const COOK_TICKS = smelting.COOK_TICKS // 200 ticks (10 s) an item
const FLUID_RANGE = 32 // how far fill_bucket and make_obsidian look for a source
const REACH = 4.5 // the server's bucket ray length (vanilla block interaction range)
const EYE = 1.62

// ---------------------------------------------------------------------------------------------- helpers

/** Open a window without leaking it: closed when the skill is aborted, even if it opens afterwards. */
async function openWindow (ctx, opening) {
  const { bot, signal } = ctx
  opening.then(w => { if (signal.aborted) bot.closeWindow(w) }, () => {})
  return abortable(signal, withTimeout(opening, 15000, 'the window did not open'), () => {
    if (bot.currentWindow) bot.closeWindow(bot.currentWindow)
  })
}

/** While `window` is open, close it the moment the skill is aborted. Returns the cleanup function. */
function closeOnAbort (ctx, window) {
  const { bot, signal } = ctx
  const close = () => { try { bot.closeWindow(window) } catch {} }
  signal.addEventListener('abort', close, { once: true })
  return () => signal.removeEventListener('abort', close)
}

function withTimeout (promise, ms, message) {
  let timer
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((resolve, reject) => { timer = setTimeout(() => reject(new SkillError('failed', message)), ms) })
  ])
}

/** A window call (clicks) that fails as a SkillError and stops on abort. */
async function windowStep (ctx, promise, what) {
  try {
    return await abortable(ctx.signal, withTimeout(promise, 10000, `${what} timed out`))
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason
    if (err instanceof SkillError) throw err
    throw new SkillError('failed', `${what} failed: ${err.message}`)
  }
}

const waitTicks = (ctx, ticks) => sleep(ctx.signal, ticks * 50)

/** Items named `name` in the player-inventory part of an open window (bot.inventory lags until it closes). */
function windowCount (window, name) {
  return window.slots.slice(window.inventoryStart, window.inventoryEnd)
    .reduce((n, item) => n + (item?.name === name ? item.count : 0), 0)
}

/** Make sure the server applied our clicks, close the window, and let the inventory settle. */
async function finishWindow (ctx, window) {
  await syncInventory(ctx, window)
  ctx.bot.closeWindow(window)
  await syncInventory(ctx)
}

// ---------------------------------------------------------------------------------------------- smelting

/** Inputs that smelt into `output`, in the server's table. */
function inputsFor (output) {
  return [...smelting.SMELTING].filter(([, r]) => r.result === output).map(([input]) => input)
}

// Fuels the skill may burn, most preferred first (tools, boats, wool... are never burnt).
const FUEL_CLASSES = [
  n => n === 'coal',
  n => n === 'charcoal',
  n => n.endsWith('_planks'),
  n => /_(log|wood)$/.test(n),
  n => n === 'stick'
]

/** Fuel to cook `items` items without burning `input`: [{name, units}] or null when there is not enough. */
function planFuel (inv, items, input) {
  let ticks = items * COOK_TICKS
  const plan = []
  for (const cls of FUEL_CLASSES) {
    const names = Object.keys(inv).filter(n => inv[n] > 0 && n !== input && cls(n) && smelting.fuelTicks(n) > 0)
      .sort((a, b) => inv[b] - inv[a])
    for (const name of names) {
      if (ticks <= 0) break
      const burn = smelting.fuelTicks(name)
      const units = Math.min(inv[name], Math.ceil(ticks / burn), 64)
      plan.push({ name, units })
      ticks -= units * burn
    }
  }
  return ticks <= 0 ? plan : null
}

async function smelt (ctx, output, { count: wanted }) {
  const { bot, registry, signal } = ctx
  throwIfAborted(signal)
  const inputs = inputsFor(output)
  const inputsText = inputs.slice(0, 4).join(' / ')
  const bestInput = counts => inputs.filter(n => counts[n]).sort((a, b) => counts[b] - counts[a])[0]
  const noFuel = input => new SkillError('missing_items',
    `no fuel for ${wanted} ${output}: needs coal, charcoal, planks, logs or sticks (not the ${input} being smelted)`)
  // Check before walking or placing anything. A furnace nearby may still hold input from an interrupted
  // smelt: then the check is done again, with its contents, once it is open.
  const inv = inventoryCounts(bot)
  let input = bestInput(inv)
  const furnaceNearby = Boolean(bot.findBlock({ matching: registry.blocksByName.furnace.id, maxDistance: STATION_RANGE }))
  if (!furnaceNearby || (input && inv[input] >= wanted)) {
    if (!input || inv[input] < wanted) {
      throw new SkillError('missing_items', `smelting ${wanted} ${output} needs ${wanted} of ${inputsText} (${input ? `have ${inv[input]} ${input}` : 'have none'})`)
    }
    if (!planFuel(inv, wanted, input)) throw noFuel(input)
  }
  const block = await ensureStation(ctx, 'furnace')
  ctx.progress(`opening the furnace at ${block.position}`)
  const furnace = await openWindow(ctx, bot.openFurnace(block))
  const release = closeOnAbort(ctx, furnace)
  const fuelUsed = {}
  let closed = false
  try {
    // whatever an earlier use left: output is taken out, other input too; the same input counts
    if (furnace.outputItem()) await windowStep(ctx, furnace.takeOutput(), 'taking the old output')
    const left = furnace.inputItem()
    if (left && inputs.includes(left.name) && windowCount(furnace, left.name) + left.count >= wanted) input = left.name
    if (furnace.inputItem() && furnace.inputItem().name !== input) await windowStep(ctx, furnace.takeInput(), 'taking the old input')
    const already = furnace.inputItem()?.count ?? 0
    const toPut = Math.max(0, wanted - already)
    const held = Object.fromEntries(inputs.concat(Object.keys(inv)).map(n => [n, windowCount(furnace, n)]))
    if (!input || held[input] < toPut) {
      throw new SkillError('missing_items', `smelting ${wanted} ${output} needs ${wanted} of ${inputsText} (have ${input ? (held[input] || 0) + already : 0}${input ? ` ${input}` : ''})`)
    }
    // fuel for what is left to cook, less what already waits in the fuel slot
    const waiting = furnace.fuelItem() ? smelting.fuelTicks(furnace.fuelItem().name) * furnace.fuelItem().count : 0
    const fuelPlan = planFuel(held, Math.max(0, Math.ceil((wanted * COOK_TICKS - waiting) / COOK_TICKS)), input)
    if (!fuelPlan) throw noFuel(input)

    const plan = fuelPlan.map(p => ({ ...p }))
    const topUpFuel = async () => {
      while (plan.length) {
        const inSlot = furnace.fuelItem()
        const next = plan[0]
        if (inSlot && inSlot.name !== next.name) return // another fuel burns first
        const room = 64 - (inSlot?.count ?? 0)
        const units = Math.min(room, next.units, windowCount(furnace, next.name))
        if (units <= 0) { plan.shift(); continue }
        await windowStep(ctx, furnace.putFuel(registry.itemsByName[next.name].id, null, units), `putting ${next.name} in as fuel`)
        fuelUsed[next.name] = (fuelUsed[next.name] || 0) + units
        next.units -= units
        if (next.units <= 0) plan.shift()
        else return
      }
    }
    await topUpFuel()
    if (toPut > 0) await windowStep(ctx, furnace.putInput(registry.itemsByName[input].id, null, toPut), `putting ${input} in`)
    ctx.progress(`smelting ${wanted} ${input} into ${output}`)

    let done = 0
    let lastChange = Date.now()
    let lastProgress = furnace.progress
    const stallMs = 20000 + COOK_TICKS * 50 // one item plus slack for a slow server
    while (true) {
      await sleep(signal, 250)
      const out = furnace.outputItem()
      const n = out?.name === output ? out.count : 0
      if (n !== done || furnace.progress !== lastProgress) lastChange = Date.now()
      if (n > done) ctx.progress(`${n}/${wanted} ${output} smelted`)
      done = n
      lastProgress = furnace.progress
      if (done >= wanted) break
      if (!furnace.fuelItem() && plan.length) await topUpFuel()
      if (Date.now() - lastChange > stallMs) {
        throw new SkillError('failed', `the furnace stopped cooking (${done}/${wanted} ${output}; fuel slot: ${furnace.fuelItem()?.name ?? 'empty'})`)
      }
      if (ctx.deadline && Date.now() > ctx.deadline - 3000) {
        if (done > 0) await windowStep(ctx, furnace.takeOutput(), 'taking the output')
        throw new SkillError('deadline', `smelted ${done} of ${wanted} ${output} before the deadline; the rest is still in the furnace`)
      }
    }
    const before = windowCount(furnace, output)
    await windowStep(ctx, furnace.takeOutput(), `taking the ${output}`)
    // unburnt fuel comes back once nothing is left to cook
    if (!furnace.inputItem() && furnace.fuelItem() && fuelUsed[furnace.fuelItem().name]) {
      const { name: backName, count: backCount } = furnace.fuelItem()
      await windowStep(ctx, furnace.takeFuel(), 'taking the unburnt fuel back')
      fuelUsed[backName] -= backCount
    }
    await syncInventory(ctx, furnace)
    const got = windowCount(furnace, output) - before
    closed = true
    await finishWindow(ctx, furnace)
    ctx.progress(`took ${got} ${output}`)
    return { item: output, input, smelted: got, fuel: Object.fromEntries(Object.entries(fuelUsed).filter(([, n]) => n > 0)), furnace_placed: Boolean(block.placed) }
  } finally {
    release()
    if (!closed) try { bot.closeWindow(furnace) } catch {}
  }
}

// ---------------------------------------------------------------------------------------------- buckets

const NO_OUTLINE = new Set(['air', 'cave_air', 'void_air', 'light', 'structure_void', 'moving_piston'])
const isLevel0 = b => Number(b.getProperties?.().level ?? b.metadata ?? 0) === 0
const solid = b => Boolean(b && b.boundingBox === 'block' && b.name !== 'water' && b.name !== 'lava')
const airLike = b => Boolean(b && NO_OUTLINE.has(b.name))
const keyOf = p => `${p.x},${p.y},${p.z}`
const SIDES = [new Vec3(1, 0, 0), new Vec3(-1, 0, 0), new Vec3(0, 0, 1), new Vec3(0, 0, -1)]
const FACES = [new Vec3(0, 1, 0), new Vec3(0, -1, 0), ...SIDES]

/**
 * The server's bucket ray (bridge/server/plugins/buckets.js), walked on the bot's copy of the world.
 * sourcesOnly: an empty bucket stops at fluid sources; a full one looks through fluids. `virtual` maps
 * cell keys to 'solid' for blocks the skill is about to place. Returns {pos, block, face} or null.
 */
function castBucketRay (bot, origin, dir, sourcesOnly, virtual = new Map()) {
  const cell = [Math.floor(origin.x), Math.floor(origin.y), Math.floor(origin.z)]
  const step = [Math.sign(dir.x), Math.sign(dir.y), Math.sign(dir.z)]
  const o = [origin.x, origin.y, origin.z]
  const d = [dir.x, dir.y, dir.z]
  const tMax = [0, 1, 2].map(i => d[i] === 0 ? Infinity : ((step[i] > 0 ? cell[i] + 1 : cell[i]) - o[i]) / d[i])
  const tDelta = [0, 1, 2].map(i => d[i] === 0 ? Infinity : Math.abs(1 / d[i]))
  let face = null
  for (let guard = 0; guard < 64; guard++) {
    const p = new Vec3(cell[0], cell[1], cell[2])
    const block = bot.blockAt(p)
    const stops = virtual.has(keyOf(p)) ||
      !block || // unloaded: assume it stops
      (!NO_OUTLINE.has(block.name) && (block.name === 'water' || block.name === 'lava'
        ? sourcesOnly && isLevel0(block)
        : block.name === 'bubble_column' ? sourcesOnly : true))
    if (stops) return { pos: p, block, face }
    const axis = tMax[0] < tMax[1] ? (tMax[0] < tMax[2] ? 0 : 2) : (tMax[1] < tMax[2] ? 1 : 2)
    if (tMax[axis] > REACH) return null
    cell[axis] += step[axis]
    tMax[axis] += tDelta[axis]
    face = new Vec3(axis === 0 ? -step[0] : 0, axis === 1 ? -step[1] : 0, axis === 2 ? -step[2] : 0)
  }
  return null
}

const eyeOf = feet => feet.offset(0, EYE, 0)

/** First aim point (of `aims`) whose ray from `eye` satisfies `accept(hit)`, or null. */
function aimFrom (bot, eye, aims, sourcesOnly, accept, virtual) {
  for (const aim of aims) {
    if (eye.distanceTo(aim) > REACH - 0.1) continue
    const hit = castBucketRay(bot, eye, aim.minus(eye).normalize(), sourcesOnly, virtual)
    if (hit && accept(hit)) return aim
  }
  return null
}

function lavaNear (bot, pos) {
  for (let dx = -1; dx <= 1; dx++) {
    for (let dy = -1; dy <= 2; dy++) {
      for (let dz = -1; dz <= 1; dz++) if (bot.blockAt(pos.offset(dx, dy, dz))?.name === 'lava') return true
    }
  }
  return false
}

/**
 * Places to stand (feet cell) within `radius` of `target` from which some aim works, nearest to the bot
 * first: room for the body, solid ground, no lava next to the bot, not in `forbidden` cells.
 */
function vantages (bot, target, aims, sourcesOnly, accept, { radius = 4, forbidden = new Set(), virtual } = {}) {
  const out = []
  const here = bot.entity.position
  for (let dx = -radius; dx <= radius; dx++) {
    for (let dz = -radius; dz <= radius; dz++) {
      for (let dy = -2; dy <= 2; dy++) {
        const feet = target.offset(dx, dy, dz)
        if (forbidden.has(keyOf(feet)) || forbidden.has(keyOf(feet.offset(0, 1, 0)))) continue
        const a = bot.blockAt(feet)
        const b = bot.blockAt(feet.offset(0, 1, 0))
        const below = bot.blockAt(feet.offset(0, -1, 0))
        if (!a || !b || a.boundingBox !== 'empty' || b.boundingBox !== 'empty') continue
        if (['water', 'lava'].includes(a.name) || ['water', 'lava'].includes(b.name)) continue
        if (!solid(below) || virtual?.has(keyOf(feet))) continue
        if (lavaNear(bot, feet)) continue
        const aim = aimFrom(bot, eyeOf(feet.offset(0.5, 0, 0.5)), aims, sourcesOnly, accept, virtual)
        if (aim) out.push({ feet, aim, dist: here.distanceTo(feet.offset(0.5, 0, 0.5)) })
      }
    }
  }
  return out.sort((x, y) => x.dist - y.dist)
}

/**
 * Get to a spot from which the bucket ray hits what `accept` wants, then look there and use the held item.
 * Tries the bot's own spot first, then up to `tries` vantages. Returns true when an aim was used.
 */
async function useBucketAt (ctx, target, aims, sourcesOnly, accept, opts = {}) {
  const { bot, signal } = ctx
  const currentAim = () => aimFrom(bot, bot.entity.position.offset(0, EYE, 0), aims, sourcesOnly, accept, opts.virtual)
  let aim = bot.entity.onGround !== false ? currentAim() : null
  if (!aim) {
    const spots = vantages(bot, target, aims, sourcesOnly, accept, opts)
    if (spots.length === 0) return false
    for (const spot of spots.slice(0, opts.tries ?? 3)) {
      if (opts.budget) {
        if (opts.budget.walks <= 0) break
        opts.budget.walks--
      }
      ctx.progress(`walking to ${spot.feet} to reach ${target}`)
      try {
        await goto(ctx, new goals.GoalBlock(spot.feet.x, spot.feet.y, spot.feet.z))
      } catch (err) {
        if (signal.aborted || !(err instanceof SkillError) || err.kind !== 'unreachable') throw err
        continue
      }
      await waitTicks(ctx, 3) // let the server catch up with where the bot stands
      aim = currentAim()
      if (aim) break
    }
    if (!aim) return false
  }
  if (opts.beforeUse) await opts.beforeUse()
  await abortable(signal, bot.lookAt(aim, true))
  await waitTicks(ctx, 2)
  bot.activateItem()
  bot.deactivateItem()
  return true
}

async function holdItem (ctx, name) {
  const { bot, signal } = ctx
  const item = bot.inventory.items().find(i => i.name === name)
  if (!item) return false
  if (bot.heldItem?.name !== name) await abortable(signal, bot.equip(item, 'hand'))
  return true
}

async function waitUntil (ctx, predicate, ms) {
  for (let waited = 0; waited < ms; waited += 100) {
    if (predicate()) return true
    await sleep(ctx.signal, 100)
  }
  return predicate()
}

/** Nearest fluid sources (level 0) of `fluid`, nearest first. */
function findSources (bot, fluid, max = 24) {
  const id = bot.registry.blocksByName[fluid].id
  return bot.findBlocks({ matching: id, maxDistance: FLUID_RANGE, count: max, useExtraInfo: b => isLevel0(b) })
}

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

/** Everything needed to pour water so that it touches the lava source at `lava`. */
function pourPlans (bot, lava) {
  const plans = []
  const solidFaces = (spot, except) => FACES.map(n => ({ n, s: spot.minus(n) }))
    .filter(({ s }) => !s.equals(except) && solid(bot.blockAt(s)) &&
      typeof bot.blockAt(s).getProperties().waterlogged !== 'boolean')
  for (const dir of [...SIDES, new Vec3(0, 1, 0)]) {
    const spot = lava.plus(dir) // where the water goes
    if (!airLike(bot.blockAt(spot))) continue
    if (bot.blockAt(spot.offset(0, 1, 0))?.name === 'lava') continue // lava above water makes stone
    for (const { n, s } of solidFaces(spot, lava)) plans.push({ spot, against: s, normal: n, place: null })
    if (dir.y === 1) {
      // the surface of a pool: put a block beside the spot (on the shore) and pour against it
      for (const side of SIDES) {
        const q = spot.plus(side)
        if (airLike(bot.blockAt(q)) && solid(bot.blockAt(q.offset(0, -1, 0)))) {
          plans.push({ spot, against: q, normal: side.scaled(-1), place: q })
        }
      }
    }
  }
  return plans
}

const SCAFFOLD = ['cobblestone', 'cobbled_deepslate', 'dirt', 'stone', 'deepslate', 'netherrack', 'andesite', 'diorite', 'granite', 'tuff', 'sand', 'gravel', 'oak_planks']

async function makeObsidian (ctx) {
  const { bot, signal } = ctx
  throwIfAborted(signal)
  if (count(bot, 'water_bucket') === 0) {
    throw new SkillError('missing_items', 'make_obsidian needs a water_bucket (fill_bucket:water first)')
  }
  const lavas = findSources(bot, 'lava', 16)
  if (lavas.length === 0) throw new SkillError('not_found', `no lava source within ${FLUID_RANGE} blocks`)
  const scaffold = SCAFFOLD.find(n => count(bot, n) > 0)
  stopMotion(bot)
  let sawPlans = false
  let needBlock = false
  const budget = { walks: 8 } // path searches in all, across lava sources and pour spots
  for (const lava of lavas.slice(0, 6)) {
    throwIfAborted(signal)
    const plans = pourPlans(bot, lava)
    if (plans.length) ctx.progress(`looking for a spot to pour water next to the lava at ${lava}`)
    for (const plan of plans.slice(0, 6)) {
      if (plan.place && !scaffold) { needBlock = true; continue }
      sawPlans = true
      const virtual = plan.place ? new Map([[keyOf(plan.place), 'solid']]) : undefined
      const center = plan.against.offset(0.5, 0.5, 0.5)
      const aims = [center.plus(plan.normal.scaled(0.45))]
      const accept = hit => hit.pos.equals(plan.against) && hit.face?.equals(plan.normal)
      const forbidden = new Set([keyOf(plan.spot), ...(plan.place ? [keyOf(plan.place)] : [])])
      const beforeUse = async () => {
        if (plan.place) {
          ctx.progress(`placing ${scaffold} at ${plan.place} to pour against`)
          await holdItem(ctx, scaffold)
          const ref = bot.blockAt(plan.place.offset(0, -1, 0))
          await abortable(signal, bot.placeBlock(ref, new Vec3(0, 1, 0))).catch(err => {
            if (signal.aborted) throw signal.reason
            ctx.log?.(`placing ${scaffold}: ${err.message}`)
          })
          await waitUntil(ctx, () => solid(bot.blockAt(plan.place)), 2000)
          if (!solid(bot.blockAt(plan.place))) throw new SkillError('failed', `could not place ${scaffold} at ${plan.place}`)
        }
        await holdItem(ctx, 'water_bucket')
        if (bot.heldItem?.name !== 'water_bucket') throw new SkillError('missing_items', 'the water_bucket is gone')
      }
      if (budget.walks <= 0) break
      const used = await useBucketAt(ctx, plan.spot, aims, false, accept, { virtual, forbidden, beforeUse, budget })
      if (!used) continue
      const poured = await waitUntil(ctx, () => bot.blockAt(plan.spot)?.name === 'water', 3000)
      if (!poured) continue
      const made = await waitUntil(ctx, () => bot.blockAt(lava)?.name === 'obsidian', 3000)
      ctx.progress(made ? `obsidian at ${lava}` : 'the lava did not turn into obsidian')
      // take the water back so the bucket can be used again
      const recovered = await pickUpWater(ctx, plan.spot, forbidden)
      if (!made) throw new SkillError('failed', `water poured at ${plan.spot} did not turn the lava at ${lava} into obsidian`)
      const obsidian = FACES.map(f => plan.spot.plus(f)).filter(p => bot.blockAt(p)?.name === 'obsidian')
      return {
        obsidian: { x: lava.x, y: lava.y, z: lava.z },
        obsidian_blocks: obsidian.length,
        water_recovered: recovered,
        placed_block: plan.place ? scaffold : null
      }
    }
  }
  if (!sawPlans && needBlock) {
    throw new SkillError('missing_items', 'the lava is a pool surface: a block to pour against (cobblestone, dirt...) is needed')
  }
  throw new SkillError('unreachable', `found lava but no safe spot to pour water next to a lava source (${lavas.length} sources seen)`)
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

// ---------------------------------------------------------------------------------------------- enchanting

function enchantmentsOf (item, registry) {
  const comps = item?.components || []
  const comp = comps.find(c => c.type === 'enchantments' || c.type === 'stored_enchantments')
  return (comp?.data?.enchantments || []).map(e => ({ name: registry.enchantments[e.id]?.name ?? `#${e.id}`, level: e.level }))
}

async function enchant (ctx, target) {
  const { bot, registry, signal } = ctx
  throwIfAborted(signal)
  const items = bot.inventory.items().filter(i => i.name === target)
  if (items.length === 0) throw new SkillError('missing_items', `no ${target} in the inventory to enchant`)
  if (!items.some(i => enchantmentsOf(i, registry).length === 0)) {
    throw new SkillError('failed', `every ${target} in the inventory is already enchanted`)
  }
  if (count(bot, 'lapis_lazuli') === 0) throw new SkillError('missing_items', 'enchanting needs lapis_lazuli (mine lapis_ore)')
  if ((bot.experience?.level ?? 0) < 1) {
    throw new SkillError('failed', 'enchanting needs XP level 1 or more (mine coal/lapis/redstone/diamond ores, smelt, or kill mobs)')
  }
  const block = await ensureStation(ctx, 'enchanting_table')
  ctx.progress(`opening the enchanting table at ${block.position}`)
  const table = await openWindow(ctx, bot.openEnchantmentTable(block))
  const release = closeOnAbort(ctx, table)
  let closed = false
  try {
    const inWindow = () => table.slots.slice(table.inventoryStart, table.inventoryEnd).filter(Boolean)
    const item = inWindow().find(i => i.name === target && enchantmentsOf(i, registry).length === 0)
    const lapis = inWindow().find(i => i.name === 'lapis_lazuli')
    if (!item || !lapis) throw new SkillError('missing_items', `the ${item ? 'lapis_lazuli' : target} is not in the inventory any more`)
    await windowStep(ctx, table.putTargetItem(item), `putting the ${target} on the table`)
    await windowStep(ctx, table.putLapis(lapis), 'putting the lapis in')
    const offered = await waitUntil(ctx, () => table.enchantments.some(e => e.level > 0), 5000)
    if (!offered) throw new SkillError('failed', `the table offers no enchantment for ${target}`)
    const level = bot.experience.level
    const lapisIn = table.slots[1]?.count ?? 0
    let choice = -1
    for (let i = 2; i >= 0; i--) {
      const cost = table.enchantments[i].level
      if (cost > 0 && cost <= level && lapisIn >= i + 1) { choice = i; break }
    }
    if (choice < 0) {
      const cheapest = Math.min(...table.enchantments.map(e => e.level).filter(l => l > 0))
      throw new SkillError('failed', `XP level ${level} is below the cheapest offer (level ${cheapest})`)
    }
    const cost = table.enchantments[choice].level
    ctx.progress(`enchanting ${target}: option ${choice + 1} (level ${cost})`)
    await windowStep(ctx, table.enchant(choice), 'enchanting')
    await waitUntil(ctx, () => enchantmentsOf(table.slots[0], registry).length > 0, 3000)
    const applied = enchantmentsOf(table.slots[0], registry)
    if (applied.length === 0) throw new SkillError('failed', `the server did not enchant the ${target}`)
    await windowStep(ctx, table.takeTargetItem(), `taking the ${target} back`)
    if (table.slots[1]) await windowStep(ctx, bot.putAway(1), 'taking the lapis back')
    closed = true
    await finishWindow(ctx, table)
    ctx.progress(`${target} enchanted: ${applied.map(e => `${e.name} ${e.level}`).join(', ')}`)
    return { item: target, option: choice + 1, cost, enchantments: applied, table_placed: Boolean(block.placed) }
  } finally {
    release()
    if (!closed) try { bot.closeWindow(table) } catch {}
  }
}

// ---------------------------------------------------------------------------------------------- verbs

module.exports = [
  {
    verb: 'smelt',
    target: 'item',
    description: target => `smelt ${target} in a furnace from its raw input, burning coal, charcoal, planks, logs or sticks as fuel`,
    args: { count: { type: 'integer', min: 1, max: 64, default: 1 } },
    validTarget: target => inputsFor(target).length > 0,
    run: smelt
  },
  {
    verb: 'fill_bucket',
    target: 'fluid',
    description: target => `fill an empty bucket from the nearest ${target} source block`,
    args: {},
    validTarget: target => target === 'water' || target === 'lava',
    run: fillBucket
  },
  {
    verb: 'make_obsidian',
    target: 'none',
    description: () => 'pour a water bucket next to a lava source to turn it into obsidian, then take the water back',
    args: {},
    validTarget: () => true,
    run: makeObsidian
  },
  {
    verb: 'enchant',
    target: 'item',
    description: target => `enchant a ${target} at an enchanting table with lapis lazuli and experience levels`,
    args: {},
    validTarget: target => enchanting.enchantability(target) > 0,
    run: enchant
  }
]
module.exports.castBucketRay = castBucketRay
module.exports.inputsFor = inputsFor
module.exports.planFuel = planFuel
