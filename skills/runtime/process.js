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
 * cell keys to what the skill is about to make of them: 'air' (dug), 'water' (poured) or 'solid' (placed);
 * `at` reads a block (default: the bot's world). Returns {pos, block, face} or null.
 */
function castBucketRay (bot, origin, dir, sourcesOnly, virtual = new Map(), at = p => bot.blockAt(p)) {
  const cell = [Math.floor(origin.x), Math.floor(origin.y), Math.floor(origin.z)]
  const step = [Math.sign(dir.x), Math.sign(dir.y), Math.sign(dir.z)]
  const o = [origin.x, origin.y, origin.z]
  const d = [dir.x, dir.y, dir.z]
  const tMax = [0, 1, 2].map(i => d[i] === 0 ? Infinity : ((step[i] > 0 ? cell[i] + 1 : cell[i]) - o[i]) / d[i])
  const tDelta = [0, 1, 2].map(i => d[i] === 0 ? Infinity : Math.abs(1 / d[i]))
  let face = null
  for (let guard = 0; guard < 64; guard++) {
    const p = new Vec3(cell[0], cell[1], cell[2])
    const block = at(p)
    const v = virtual.get(keyOf(p))
    const stops = v === 'air'
      ? false
      : v === 'water'
        ? sourcesOnly
        : v !== undefined || // a block about to be placed
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

// ---------------------------------------------------------------------------------------------- obsidian
//
// Water that touches a lava SOURCE from above or from a side turns it into obsidian (buckets.js: lava checks
// up and its four sides); lava above the water turns the water into stone instead. Fluids never flow here,
// so a lava lake only changes where the skill changes it, and digging next to lava releases nothing.
//
// A plan: the lava source `lava`; the cell `spot` (a side or the top of the lava) where the water goes; a
// solid block `against` whose face `normal` (pointing into `spot`) the full bucket's ray hits, so that the
// server puts the water into `spot`; the cell `stand` the bot pours from; the cells to dig first (`spot`
// when it is solid, blocks in the ray's way) and the block to place (`place`, when nothing solid borders the
// spot: a block on the shore beside it). The bot always stands on solid ground, with no lava within a block
// of its body and no open drop into lava beside it.

const SCAFFOLD = ['cobblestone', 'cobbled_deepslate', 'dirt', 'stone', 'deepslate', 'netherrack', 'andesite', 'diorite', 'granite', 'tuff', 'sand', 'gravel', 'oak_planks']
const MAX_DIG_MS = 6000 // blocks slower than this to dig (obsidian, bedrock...) are never dug by the skill
const STAND_RADIUS = 4 // stand cells looked at around a spot (the eyes must be within REACH of the face)
const PAIRS_TO_PLAN = 30 // (lava, spot) pairs, best first, that get a full search for a stand
const STANDS_TO_TRY = 48 // stand cells, nearest first, whose rays are traced for one pair
const DIG_COST = 1.5
const PLACE_COST = 1
const DROP_IN_LAVA_COST = 6 // lava under the obsidian: its drop would fall into the lake when it is mined
const ATTEMPTS = 6

const UP = new Vec3(0, 1, 0)
const DOWN = new Vec3(0, -1, 0)

/** A memo of bot.blockAt for one planning pass (the world does not change while it plans). */
function blockCache (bot) {
  const memo = new Map()
  return p => {
    const k = keyOf(p)
    if (!memo.has(k)) memo.set(k, bot.blockAt(p))
    return memo.get(k)
  }
}

const isLava = b => b?.name === 'lava'
const isFluidName = b => Boolean(b && (b.name === 'water' || b.name === 'lava' || b.name === 'bubble_column'))
const passable = b => Boolean(b && b.boundingBox === 'empty' && !isFluidName(b))

/** Milliseconds the bot needs to dig `block` with the best item it holds (Infinity when it cannot). */
function bestDigMs (bot, block, memo) {
  if (memo.has(block.type)) return memo.get(block.type)
  let best = Infinity
  if (block.diggable !== false && block.hardness !== null && block.hardness >= 0) {
    for (const item of [null, ...bot.inventory.items()]) {
      try {
        const ms = block.digTime(item ? item.type : null, false, false, false, [], bot.entity?.effects || {})
        if (ms < best) best = ms
      } catch {}
    }
  }
  memo.set(block.type, best)
  return best
}

/** A full block the ray stops at and water does not go into (no slabs, stairs or other waterloggables). */
function pourFace (b) {
  return solid(b) && typeof b.getProperties?.().waterlogged !== 'boolean'
}

/** Aim points on the face `normal` of the block at `pos`: its centre, then points towards its edges. */
function faceAims (pos, normal, offsets = [0.3, -0.3]) {
  const c = pos.offset(0.5, 0.5, 0.5).plus(normal.scaled(0.5))
  const axes = [new Vec3(1, 0, 0), new Vec3(0, 1, 0), new Vec3(0, 0, 1)].filter(a => a.dot(normal) === 0)
  const out = [c]
  for (const a of axes) for (const s of offsets) out.push(c.plus(a.scaled(s)))
  return out
}

function makePlanner (bot, scaffold) {
  const at = blockCache(bot)
  const digMemo = new Map()
  const diggable = p => {
    const b = at(p)
    return Boolean(b && solid(b) && bestDigMs(bot, b, digMemo) <= MAX_DIG_MS)
  }
  const digMs = p => bestDigMs(bot, at(p), digMemo)

  /**
   * Standing at `stand` with the cells in `open` dug (and `place` filled) is safe: solid ground, no lava in
   * the 3x3 columns around the body (one below to two above the feet), and no open drop into lava beside it.
   */
  function safeStand (stand, open, place) {
    const isOpen = p => open.has(keyOf(p)) || (passable(at(p)) && !(place && p.equals(place)))
    for (let dx = -1; dx <= 1; dx++) {
      for (let dz = -1; dz <= 1; dz++) {
        for (let dy = -1; dy <= 2; dy++) if (isLava(at(stand.offset(dx, dy, dz)))) return false
        if (dx === 0 && dz === 0) continue
        for (let dy = 0; dy >= -5; dy--) {
          const p = stand.offset(dx, dy, dz)
          if (isLava(at(p))) return false
          if (!isOpen(p)) break
        }
      }
    }
    return true
  }

  /** Lava sources turned into obsidian by water at `spot`, and how many of them have no solid floor. */
  function outcome (spot) {
    let made = 0
    let overLava = 0
    for (const n of [DOWN, ...SIDES]) {
      const b = at(spot.plus(n))
      if (isLava(b) && isLevel0(b)) {
        made++
        if (!solid(at(spot.plus(n).offset(0, -1, 0)))) overLava++
      }
    }
    return { made, overLava }
  }

  /** Rough cost of getting from `from` (feet) to `to`: distance, blocks to tunnel through, lava in the way. */
  function travel (from, to) {
    if (from.equals(to)) return 0
    const d = from.distanceTo(to)
    const seen = new Set()
    let solids = 0
    let hazards = 0
    const steps = Math.ceil(d * 2)
    for (let i = 1; i <= steps; i++) {
      const p = from.plus(to.minus(from).scaled(i / steps))
      for (const h of [0, 1]) {
        const c = p.offset(0.5, h + 0.5, 0.5).floored()
        const k = keyOf(c)
        if (seen.has(k)) continue
        seen.add(k)
        const b = at(c)
        if (isLava(b)) hazards++
        else if (solid(b)) solids++
      }
    }
    return d + 0.6 * solids + 8 * hazards + 0.5 * Math.abs(to.y - from.y)
  }

  /** (lava, spot) pairs around the bot: spot beside or on top of a lava source, water can go there. */
  function pairs (sources, feet) {
    const out = []
    for (const lava of sources) {
      for (const dir of [UP, ...SIDES]) {
        const spot = lava.plus(dir)
        const b = at(spot)
        if (!b || isFluidName(b)) continue
        const open = NO_OUTLINE.has(b.name)
        if (!open && !diggable(spot)) continue
        if (isLava(at(spot.offset(0, 1, 0)))) continue // lava above the water would turn it into stone
        const { made, overLava } = outcome(spot)
        if (made === 0) continue
        const lavaBelow = !solid(at(lava.offset(0, -1, 0)))
        const rough = feet.distanceTo(spot) + (open ? 0 : DIG_COST) + (lavaBelow ? DROP_IN_LAVA_COST : 0) + overLava
        out.push({ lava, spot, dig: !open, lavaBelow, made, rough })
      }
    }
    return out.sort((a, b) => a.rough - b.rough)
  }

  /**
   * The cells to dig so that the full bucket's ray from `eye` to `aim` hits `against` on face `normal`
   * (null when it cannot): blocks in the way that can be dug, never the floor under the bot, the spot's lava
   * or the block poured against. The empty bucket must also come back to the water at `spot` along the same
   * kind of ray, without meeting another fluid source first.
   */
  function rayDigs (stand, eye, aim, pair, against, normal, place, baseOpen) {
    const digs = []
    const keep = new Set([keyOf(stand.offset(0, -1, 0)), keyOf(against), keyOf(pair.lava)])
    for (let i = 0; i < 3; i++) {
      const virtual = new Map()
      for (const k of baseOpen) virtual.set(k, 'air')
      for (const p of digs) virtual.set(keyOf(p), 'air')
      if (place) virtual.set(keyOf(place), 'solid')
      const dir = aim.minus(eye).normalize()
      const hit = castBucketRay(bot, eye, dir, false, virtual, at)
      if (!hit) return null
      if (hit.pos.equals(against)) {
        if (!hit.face || !hit.face.equals(normal)) return null
        // the way back: the empty bucket stops at the first source (or solid block) along its ray
        virtual.set(keyOf(pair.spot), 'water')
        const back = pair.spot.offset(0.5, 0.5, 0.5)
        const ret = castBucketRay(bot, eye, back.minus(eye).normalize(), true, virtual, at)
        return { digs, waterBack: Boolean(ret && ret.pos.equals(pair.spot)) }
      }
      const k = keyOf(hit.pos)
      if (keep.has(k) || !hit.block || isFluidName(hit.block) || !diggable(hit.pos)) return null
      if (eye.distanceTo(hit.pos.offset(0.5, 0.5, 0.5)) > REACH) return null
      digs.push(hit.pos)
    }
    return null
  }

  /** Blocks around `spot` whose face into it the water can be poured against (placing one if need be). */
  function faces (pair) {
    const out = []
    for (const n of FACES) {
      const pos = pair.spot.plus(n)
      if (pos.equals(pair.lava)) continue
      const b = at(pos)
      if (pourFace(b)) out.push({ against: pos, normal: n.scaled(-1), place: null })
      else if (scaffold && n.y === 0 && b && NO_OUTLINE.has(b.name) && solid(at(pos.offset(0, -1, 0)))) {
        out.push({ against: pos, normal: n.scaled(-1), place: pos })
      }
    }
    return out
  }

  /** The cheapest full plan for one (lava, spot) pair from a bot at `feet`, or null. */
  function planPair (pair, feet, failedStands) {
    const spotTravel = travel(feet, pair.spot)
    const options = faces(pair)
    if (options.length === 0) return null
    const stands = []
    for (let dx = -STAND_RADIUS; dx <= STAND_RADIUS; dx++) {
      for (let dz = -STAND_RADIUS; dz <= STAND_RADIUS; dz++) {
        for (let dy = -3; dy <= 2; dy++) {
          const stand = pair.spot.offset(dx, dy, dz)
          if (failedStands.has(keyOf(stand))) continue
          const eye = stand.offset(0.5, EYE, 0.5)
          if (eye.distanceTo(pair.spot.offset(0.5, 0.5, 0.5)) > REACH + 0.5) continue
          const here = stand.equals(feet)
          const body = [stand, stand.offset(0, 1, 0)]
          if (body.some(p => p.equals(pair.spot) || p.equals(pair.lava))) continue
          const ground = at(stand.offset(0, -1, 0))
          if (!solid(ground) || stand.offset(0, -1, 0).equals(pair.spot)) continue
          let bodyDigs = 0
          let ok = true
          for (const p of body) {
            const b = at(p)
            if (passable(b)) continue
            if (here || !diggable(p)) { ok = false; break }
            bodyDigs++
          }
          if (!ok) continue
          const base = (here ? 0 : spotTravel + feet.distanceTo(stand) - feet.distanceTo(pair.spot)) + 0.5 * bodyDigs
          stands.push({ stand, eye, base, here })
        }
      }
    }
    stands.sort((a, b) => a.base - b.base)
    let best = null
    for (const s of stands.slice(0, STANDS_TO_TRY)) {
      if (best && s.base >= best.cost) break
      const baseOpen = [keyOf(s.stand), keyOf(s.stand.offset(0, 1, 0))]
      if (pair.dig) baseOpen.push(keyOf(pair.spot))
      for (const opt of options) {
        if (opt.place && (opt.place.equals(s.stand) || opt.place.equals(s.stand.offset(0, 1, 0)))) continue
        for (const aim of faceAims(opt.against, opt.normal)) {
          if (s.eye.distanceTo(aim) > REACH - 0.15) continue
          const ray = rayDigs(s.stand, s.eye, aim, pair, opt.against, opt.normal, opt.place, baseOpen)
          if (!ray) continue
          const open = new Set([...baseOpen, ...ray.digs.map(keyOf)])
          if (!safeStand(s.stand, open, opt.place)) continue
          const digs = [...ray.digs, ...(pair.dig ? [pair.spot] : [])]
          if (digs.some(p => s.eye.distanceTo(p.offset(0.5, 0.5, 0.5)) > REACH)) continue
          if (opt.place && s.eye.distanceTo(opt.place.offset(0.5, 0, 0.5)) > REACH - 0.2) continue
          const digTime = digs.reduce((t, p) => t + digMs(p), 0) / 1000
          const cost = s.base + digs.length * DIG_COST + digTime + (opt.place ? PLACE_COST : 0) +
            (pair.lavaBelow ? DROP_IN_LAVA_COST : 0) + (ray.waterBack ? 0 : 3)
          if (!best || cost < best.cost) {
            best = { ...pair, ...opt, stand: s.stand, aim, digs, cost, waterBack: ray.waterBack }
          }
          break
        }
      }
    }
    return best
  }

  return { pairs, planPair, travel, at }
}

/** Plans to make obsidian near the bot, cheapest first. */
function obsidianPlans (bot, sources, scaffold, failed) {
  const planner = makePlanner(bot, scaffold)
  const feet = bot.entity.position.floored()
  const pairs = planner.pairs(sources, feet)
    .filter(p => !failed.pairs.has(`${keyOf(p.lava)}>${keyOf(p.spot)}`))
    .slice(0, PAIRS_TO_PLAN * 3)
  for (const p of pairs) p.rough += planner.travel(feet, p.spot) - feet.distanceTo(p.spot)
  pairs.sort((a, b) => a.rough - b.rough)
  const plans = []
  for (const pair of pairs.slice(0, PAIRS_TO_PLAN)) {
    const plan = planner.planPair(pair, feet, failed.stands)
    if (plan) plans.push(plan)
  }
  return { plans: plans.sort((a, b) => a.cost - b.cost), pairs: pairs.length }
}

async function digCell (ctx, pos) {
  const { digAt } = require('./gather').helpers
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
module.exports.obsidianPlans = obsidianPlans
module.exports.findSources = findSources
