'use strict'
// The runner without a world: how verb files are loaded, and how a skill ends at its own deadline.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { EventEmitter } = require('events')
const { loadVerbs, runSkill, DEFAULT_DEADLINE_MS } = require('./runner')

/** loadVerbs over a folder holding `files` (name -> source), removed afterwards. */
function loadFrom (files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verbs-'))
  try {
    for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), body)
    return loadVerbs(dir)
  } finally {
    fs.rmSync(dir, { recursive: true })
  }
}

const verbFile = (verb, extra = '') =>
  `module.exports = { verb: '${verb}', target: 'none', description: () => '${verb}', args: {}, validTarget: () => true, run: async () => ({})${extra} }\n`

test('loadVerbs reads every verb file but tests, handshake verbs first; a verb without a deadline gets the default', () => {
  const verbs = loadFrom({
    'zeta.js': verbFile('zeta'),
    'alpha.js': verbFile('alpha'),
    'drop.js': verbFile('drop', ', deadlineMs: 5000'),
    'mine.js': verbFile('mine'),
    'mine.test.js': 'throw new Error("a test is not a verb")\n'
  })
  assert.deepEqual([...verbs.keys()], ['mine', 'drop', 'alpha', 'zeta'])
  assert.equal(verbs.get('drop').deadlineMs, 5000)
  assert.equal(verbs.get('mine').deadlineMs, DEFAULT_DEADLINE_MS)
})

test('a verb file named after another verb is refused', () => {
  assert.throws(() => loadFrom({ 'mine.js': verbFile('collect') }), /defines the verb 'collect': a verb file is named after its verb/)
})

test('runSkill ends a skill at the verb\'s own deadline unless given another, and stops the bot', { timeout: 10000 }, async () => {
  const bot = Object.assign(new EventEmitter(), { stopped: 0, clearControlStates () { this.stopped++ } })
  const forever = { verb: 'wait', deadlineMs: 150, run: () => new Promise(() => {}) } // even one that ignores its signal
  const own = await runSkill(bot, { def: forever, target: null, args: {} })
  assert.deepEqual(own.error, { kind: 'deadline', message: 'the deadline of 150 ms passed' })
  assert.ok(own.wall_ms >= 140 && own.wall_ms < 2000, `${own.wall_ms} ms`)
  const given = await runSkill(bot, { def: forever, target: null, args: {} }, { deadlineMs: 50 })
  assert.equal(given.error.message, 'the deadline of 50 ms passed')
  assert.equal(bot.stopped, 2)
  assert.equal(bot.listenerCount('death') + bot.listenerCount('end'), 0)
})

test('an exception that is not a SkillError ends the skill as internal, naming the skill; its stack goes to the log, not to the agent', { timeout: 10000 }, async () => {
  const bot = Object.assign(new EventEmitter(), { clearControlStates () {} })
  const buggy = { verb: 'smelt', run: async () => { const furnace = undefined; return furnace.inputItem() } }
  const logged = []
  const result = await runSkill(bot, { def: buggy, target: 'iron_ingot', args: {} }, { deadlineMs: 5000, logError: m => logged.push(m) })
  assert.equal(result.ok, false)
  assert.equal(result.error.kind, 'internal')
  assert.match(result.error.message, /smelt:iron_ingot/)
  assert.doesNotMatch(result.error.message, /Cannot read properties|undefined|TypeError/)
  assert.equal(logged.length, 1)
  assert.match(logged[0], /internal error in skill smelt:iron_ingot: TypeError: Cannot read properties of undefined/)
  assert.match(logged[0], /runner\.test\.js:\d+/, 'the stack is logged')
  const { SkillError } = require('./lib/errors')
  const typed = { verb: 'craft', run: async () => { throw new SkillError('missing_items', 'no sticks') } }
  const kept = await runSkill(bot, { def: typed, target: 'wooden_pickaxe', args: {} }, { deadlineMs: 5000, logError: m => logged.push(m) })
  assert.deepEqual(kept.error, { kind: 'missing_items', message: 'no sticks' }, 'a SkillError keeps its kind and message')
  const thrown = { verb: 'explore', run: () => { throw new RangeError('boom') } } // even one that throws before its first await
  const plain = await runSkill(bot, { def: thrown, target: null, args: {} }, { deadlineMs: 5000, logError: m => logged.push(m) })
  assert.equal(plain.error.kind, 'internal')
  assert.match(plain.error.message, /skill explore /)
  assert.equal(logged.length, 2)
})
