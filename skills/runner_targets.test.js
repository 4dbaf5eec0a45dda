'use strict'
// Skill targets are the vocabulary's own entries: names every JavaScript object inherits ('constructor',
// 'toString', '__proto__'...) are refused, by the runner and by each verb's own validTarget. No world needed.
const test = require('node:test')
const assert = require('node:assert/strict')
const mcData = require('minecraft-data')
const { minecraft: VERSION } = require('larm-world/vanilla/versions.json')
const { parseSkill, VERBS, SkillInputError } = require('./runner')

const registry = mcData(VERSION)
const INHERITED = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__']
const TABLE_KINDS = new Set(['block', 'item', 'mob'])
const tableVerbs = [...VERBS.values()].filter(d => TABLE_KINDS.has(d.target))

test('inherited names are refused as targets with unknown_skill (mine:constructor, drop:__proto__...)', () => {
  assert.ok(tableVerbs.length >= 10, 'the verbs with block, item or mob targets')
  for (const def of tableVerbs) {
    for (const name of INHERITED) {
      const token = `${def.verb}:${name}`
      assert.throws(() => parseSkill(token, {}, registry), e => e instanceof SkillInputError && e.kind === 'unknown_skill' &&
        e.message.includes('is not a valid target'), token)
    }
  }
})

test("the runner refuses them even for a verb whose validTarget accepts anything", () => {
  for (const kind of TABLE_KINDS) {
    VERBS.set('probe', { verb: 'probe', target: kind, description: () => 'probe', args: {}, validTarget: () => true, run: async () => ({}) })
    try {
      for (const name of INHERITED) assert.throws(() => parseSkill(`probe:${name}`, {}, registry), e => e.kind === 'unknown_skill', `${kind} ${name}`)
      assert.ok(parseSkill(`probe:${{ block: 'stone', item: 'stick', mob: 'cow' }[kind]}`, {}, registry).def)
    } finally {
      VERBS.delete('probe')
    }
  }
})

test("each verb's own validTarget refuses inherited names (not only the runner's check)", () => {
  for (const def of tableVerbs) {
    for (const name of INHERITED) assert.equal(Boolean(def.validTarget(name, registry)), false, `${def.verb}.validTarget('${name}')`)
  }
})

test('real targets still parse', () => {
  for (const token of ['mine:oak_log', 'mine:iron_ore', 'collect:stick', 'craft:stick', 'drop:dirt', 'eat:bread', 'equip:stone_pickaxe',
    'place:crafting_table', 'kill:cow', 'smelt:iron_ingot', 'enchant:iron_pickaxe', 'dig_down:-58', 'fill_bucket:water', 'explore']) {
    assert.ok(parseSkill(token, {}, registry).def, token)
  }
})

test('inherited names are not arguments either', () => {
  for (const name of ['constructor', 'toString', '__proto__']) {
    assert.throws(() => parseSkill('mine:oak_log', JSON.parse(`{"${name}": 1}`), registry), e => e.kind === 'bad_arguments', name)
  }
})
