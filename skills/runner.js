'use strict'
// The skill runner: parses a token ("verb:target"), checks its arguments, runs the skill with a deadline
// and a clean cancel, and returns a structured result. Each verb lives in a file of its own,
// verbs/<verb>.js, that exports its definition:
//   { verb, target: 'block'|'item'|'mob'|'y'|'fluid'|'none', description(target) -> string,
//     args: { name: { type: 'integer', min, max, default } }, validTarget(target, registry) -> bool,
//     deadlineMs (optional: the verb's own deadline, else DEFAULT_DEADLINE_MS),
//     run: async (ctx, target, args) -> detail object }
// ctx: { bot, registry, signal (AbortSignal), progress(message), log(message), deadline (ms epoch) }.
const fs = require('fs')
const path = require('path')
const { SkillError, SkillInputError } = require('./lib/errors')
const { inventoryCounts, inventoryDelta } = require('./lib/inventory')
const { stopMotion } = require('./lib/cancel')
const { gameTicks } = require('./lib/bot_setup')

const VERBS_DIR = path.join(__dirname, 'verbs')
const DEFAULT_DEADLINE_MS = 120000
// The order the handshake lists the verbs in (the agent looks them up by name; a fixed order keeps the
// welcome message stable). A verb file not named here comes after these.
const HANDSHAKE_ORDER = ['mine', 'collect', 'explore', 'dig_down', 'surface', 'kill', 'eat', 'equip', 'craft', 'smelt',
  'fill_bucket', 'make_obsidian', 'enchant', 'place', 'drop']

/** Every verb file in `dir` (tests aside), by verb. A file is named after the verb it defines. */
function loadVerbs (dir = VERBS_DIR) {
  const rank = name => { const i = HANDSHAKE_ORDER.indexOf(name); return i < 0 ? HANDSHAKE_ORDER.length : i }
  const names = fs.readdirSync(dir)
    .filter(f => f.endsWith('.js') && !f.endsWith('.test.js'))
    .map(f => f.slice(0, -3))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  const verbs = new Map()
  for (const name of names) {
    const def = require(path.join(dir, name))
    if (def.verb !== name) throw new Error(`${path.join(dir, name)}.js defines the verb '${def.verb}': a verb file is named after its verb`)
    verbs.set(name, { ...def, deadlineMs: def.deadlineMs ?? DEFAULT_DEADLINE_MS })
  }
  return verbs
}

const VERBS = loadVerbs()

/** Parse and check a token and its arguments. Throws SkillInputError. Returns { def, target, args }. */
function parseSkill (token, args = {}, registry) {
  if (typeof token !== 'string' || !token) throw new SkillInputError('unknown_skill', 'a skill token is a non-empty string')
  const colon = token.indexOf(':')
  const verb = colon < 0 ? token : token.slice(0, colon)
  const target = colon < 0 ? null : token.slice(colon + 1)
  const def = VERBS.get(verb)
  if (!def) throw new SkillInputError('unknown_skill', `unknown skill verb '${verb}' (known: ${[...VERBS.keys()].join(', ')})`)
  if (def.target === 'none' && target !== null) throw new SkillInputError('unknown_skill', `'${verb}' takes no target`)
  if (def.target !== 'none' && !target) throw new SkillInputError('unknown_skill', `'${verb}' needs a target, e.g. ${verb}:${exampleTarget(def)}`)
  if (def.target !== 'none' && !(inVocabulary(def.target, target, registry) && def.validTarget(target, registry))) {
    throw new SkillInputError('unknown_skill', `'${target}' is not a valid target for '${verb}' (a ${def.target})`)
  }
  return { def, target: def.target === 'y' ? Number(target) : target, args: checkArgs(def, args || {}) }
}

// Which of the registry's tables a kind of target names an entry of.
const TARGET_TABLES = { block: 'blocksByName', item: 'itemsByName', mob: 'entitiesByName' }

/**
 * Whether `name` is one of the vocabulary's own entries in `table` (e.g. registry.itemsByName). These tables
 * are plain objects: a bare lookup also finds what every object inherits ('constructor', 'toString',
 * '__proto__'), which would let such a token through to a skill that then does nothing.
 */
function ownEntry (table, name) {
  return Boolean(table) && typeof name === 'string' && Object.hasOwn(table, name) && Boolean(table[name])
}

/** Whether a target of this kind names an own entry of the registry (kinds without a table pass: y, fluid). */
function inVocabulary (kind, target, registry) {
  const table = TARGET_TABLES[kind]
  return !table || !registry || ownEntry(registry[table], target)
}

function exampleTarget (def) {
  return { block: 'oak_log', item: 'oak_planks', mob: 'cow', y: '-58', fluid: 'water' }[def.target] || 'x'
}

function checkArgs (def, args) {
  if (typeof args !== 'object' || Array.isArray(args)) throw new SkillInputError('bad_arguments', 'args must be an object')
  const out = {}
  const spec = def.args || {}
  for (const name of Object.keys(args)) {
    if (!Object.hasOwn(spec, name)) throw new SkillInputError('bad_arguments', `'${def.verb}' has no argument '${name}' (it has: ${Object.keys(spec).join(', ') || 'none'})`)
  }
  for (const [name, s] of Object.entries(spec)) {
    const value = args[name] ?? s.default
    if (s.type === 'integer' && (!Number.isInteger(value) || value < s.min || value > s.max)) {
      throw new SkillInputError('bad_arguments', `'${name}' must be an integer in ${s.min}..${s.max}, got ${JSON.stringify(args[name])}`)
    }
    out[name] = value
  }
  return out
}

/** What the agent learns about the verbs in the handshake. */
function describeVerbs () {
  return [...VERBS.values()].map(d => ({
    verb: d.verb,
    target: d.target,
    description: d.description('<target>'),
    deadline_ms: d.deadlineMs,
    args: Object.fromEntries(Object.entries(d.args || {}).map(([k, s]) => [k, `${s.type} ${s.min}..${s.max}, default ${s.default}`]))
  }))
}

/**
 * Run one parsed skill. Resolves to the protocol's skill_result fields (never rejects):
 * { ok, error, inventory_delta, ticks, wall_ms, detail }. `controller` is an AbortController whose abort
 * reason is a SkillError (cancel, deadline, disconnect, death all abort through it). `deadlineMs` defaults to
 * the verb's own deadline. An exception other than a SkillError ends the skill with the error kind
 * 'internal'; its stack goes to `logError` (default: stderr, which is the bridge's log).
 */
async function runSkill (bot, parsed, { controller = new AbortController(), deadlineMs = parsed.def.deadlineMs, onProgress = () => {}, log = () => {}, logError = stderrLog } = {}) {
  const started = Date.now()
  const tick0 = gameTicks(bot)
  const before = inventoryCounts(bot)
  const timer = setTimeout(() => controller.abort(new SkillError('deadline', `the deadline of ${deadlineMs} ms passed`)), deadlineMs)
  const onDeath = () => controller.abort(new SkillError('died', 'the bot died'))
  const onEnd = () => controller.abort(new SkillError('disconnected', 'the connection to the Minecraft server dropped'))
  bot.on('death', onDeath)
  bot.on('end', onEnd)
  const ctx = { bot, registry: bot.registry, signal: controller.signal, progress: onProgress, log, deadline: started + deadlineMs }
  let error = null
  let detail = {}
  try {
    const run = parsed.def.run(ctx, parsed.target, parsed.args)
    // A skill that ignores its signal still ends at the deadline: the race settles first.
    detail = (await Promise.race([run, abortPromise(controller.signal)])) || {}
  } catch (err) {
    if (controller.signal.aborted && controller.signal.reason instanceof SkillError) {
      error = { kind: controller.signal.reason.kind, message: controller.signal.reason.message }
    } else if (err instanceof SkillError) {
      error = { kind: err.kind, message: err.message }
    } else {
      error = internalError(parsed, err, logError)
    }
  } finally {
    clearTimeout(timer)
    bot.removeListener('death', onDeath)
    bot.removeListener('end', onEnd)
    if (!controller.signal.aborted) controller.abort(new SkillError('cancelled', 'the skill ended'))
    stopMotion(bot)
  }
  return {
    ok: error === null,
    error,
    inventory_delta: inventoryDelta(before, inventoryCounts(bot)),
    ticks: Math.max(0, gameTicks(bot) - tick0),
    wall_ms: Date.now() - started,
    detail
  }
}

function stderrLog (message) {
  process.stderr.write(`[skills] ${message}\n`)
}

/** The token a parsed skill came from, e.g. 'smelt:iron_ingot'. */
function tokenOf (parsed) {
  return parsed.target === null || parsed.target === undefined ? parsed.def.verb : `${parsed.def.verb}:${parsed.target}`
}

/**
 * An exception that is not a SkillError is a bug in a skill (or in a library under it), not a fact about the
 * world: the agent gets the kind 'internal' and a message naming the skill, never the exception's own text
 * (which means nothing to a policy and would differ between versions); the stack goes to the bridge's log.
 */
function internalError (parsed, err, logError) {
  const token = tokenOf(parsed)
  try {
    logError(`internal error in skill ${token}: ${err?.stack || err}`)
  } catch {}
  return { kind: 'internal', message: `the skill ${token} stopped on an internal error (a bug in the skill, not a fact about the world); the bridge's log has the details` }
}

function abortPromise (signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}

module.exports = { parseSkill, runSkill, describeVerbs, loadVerbs, ownEntry, VERBS, DEFAULT_DEADLINE_MS, SkillError, SkillInputError }
