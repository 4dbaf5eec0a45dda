'use strict'
// clientFailure: what the agent hears when a mineflayer call throws. Mineflayer's own sentence may reach it;
// a JavaScript exception's text never does (held-out seed 4246 at K = 16: "eating beef did not finish: Cannot
// read properties of null (reading 'name')" came back as a skill error).
const test = require('node:test')
const assert = require('node:assert/strict')
const { SkillError, clientFailure } = require('./errors')
const { runSkill } = require('../runner')
const eat = require('../verbs/eat')

test('clientFailure keeps a refusal, passes a bug on as itself', () => {
  const refused = clientFailure('crafting stick', new Error('missing ingredient'))
  assert.ok(refused instanceof SkillError)
  assert.equal(refused.kind, 'failed')
  assert.equal(refused.message, 'crafting stick failed: missing ingredient')
  const bug = new TypeError("Cannot read properties of null (reading 'name')")
  assert.equal(clientFailure('eating beef', bug), bug)
})

test('eat: a TypeError inside mineflayer is an internal error, and its text stays in the log', async () => {
  const beef = { name: 'beef', type: 7 }
  const bot = {
    food: 5,
    heldItem: beef,
    registry: {},
    inventory: { items: () => [beef], slots: [] },
    on () {},
    removeListener () {},
    consume: () => Promise.reject(new TypeError("Cannot read properties of null (reading 'name')")),
    deactivateItem () {},
    time: { age: 0 }
  }
  const logged = []
  const result = await runSkill(bot, { token: 'eat:beef', target: 'beef', args: {}, def: { ...eat, deadlineMs: 5000 } },
    { logError: line => logged.push(line) })
  assert.equal(result.error.kind, 'internal')
  assert.doesNotMatch(result.error.message, /Cannot read/)
  assert.ok(logged.some(line => /Cannot read properties of null/.test(line)))
})
