'use strict'
// smelt:<item>: smelt an item in a furnace (a nearby one, or one placed from the inventory) from its raw
// input, burning the fuel the inventory has to spare; a furnace left half-done is finished first.
const { SkillError } = require('../lib/errors')
const { throwIfAborted, sleep } = require('../lib/cancel')
const { inventoryCounts } = require('../lib/inventory')
const { ensureStation, syncInventory, STATION_RANGE } = require('../lib/stations')
const { openWindow, closeOnAbort, windowStep, windowCount, finishWindow } = require('../lib/windows')
const { COOK_TICKS, inputsFor, planFuel } = require('../lib/fuel_plan')
const { smelting } = require('../lib/world_package')

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

module.exports = {
  verb: 'smelt',
  target: 'item',
  description: target => `smelt ${target} in a furnace from its raw input, burning coal, charcoal, planks, logs or sticks as fuel`,
  args: { count: { type: 'integer', min: 1, max: 64, default: 1 } },
  validTarget: target => inputsFor(target).length > 0,
  deadlineMs: 300000, // 10 s of cooking an item, up to 64 items
  run: smelt
}
