'use strict'
// The bridge's guards that need no world: the nesting limit on requests, the token from the environment,
// browser origins. (tests/test_bridge_holds.py drives them, and the rest, through a real bridge.)
const test = require('node:test')
const assert = require('node:assert/strict')
const { parseRequest, nestingDepth, MAX_DEPTH, ProtocolError } = require('../bot/protocol')
const { parseArgs, originAllowed, TOKEN_ENV } = require('../bot/bridge')

test('nestingDepth counts brackets outside strings only, escapes included', () => {
  assert.equal(nestingDepth(Buffer.from('{"type":"ping"}')), 1)
  assert.equal(nestingDepth(Buffer.from('{"a":[1,{"b":"]]] \\" [[[["}]}')), 3)
  assert.equal(nestingDepth(Buffer.from('"[[[["')), 0)
  assert.equal(nestingDepth(Buffer.from('['.repeat(100000)), 5), 6, 'stops counting past the limit')
})

test('a request nested deeper than the limit is refused too_deep, before JSON handling recurses', () => {
  for (const inner of ['['.repeat(30000) + ']'.repeat(30000), '{"a":'.repeat(MAX_DEPTH) + '1' + '}'.repeat(MAX_DEPTH)]) {
    for (const text of [`{"type":${inner}}`, `{"type":"skill","id":"x","token":"mine:oak_log","args":{"count":${inner}}}`]) {
      assert.throws(() => parseRequest(text), e => e instanceof ProtocolError && e.kind === 'too_deep' && /nested/.test(e.message))
    }
  }
  const frames = { fps: 0, width: 64, height: 48 }
  assert.equal(parseRequest(JSON.stringify({ type: 'hello', protocol: 1, token: 'x'.repeat(16), frames })).type, 'hello')
  assert.equal(parseRequest(JSON.stringify({ type: 'ping', id: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[' })).type, 'ping')
})

test(`the token comes from ${TOKEN_ENV} when --token is not given`, () => {
  assert.equal(parseArgs(['--server', 'h:1'], { [TOKEN_ENV]: 'from-the-environment' }).token, 'from-the-environment')
  assert.equal(parseArgs(['--server', 'h:1', '--token', 'from-the-command-line'], { [TOKEN_ENV]: 'from-the-environment' }).token, 'from-the-command-line')
  assert.match(parseArgs(['--server', 'h:1'], {}).token, /^[0-9a-f]{32}$/)
})

test('only allowed browser origins pass; programs send none', () => {
  const { allowOrigins } = parseArgs(['--server', 'h:1', '--allow-origin', 'http://localhost:8080/page', '--allow-origin', 'HTTPS://Example.org'], {})
  assert.deepEqual(allowOrigins, ['http://localhost:8080', 'https://example.org'])
  assert.equal(originAllowed(undefined, allowOrigins), true)
  assert.equal(originAllowed('http://localhost:8080', allowOrigins), true)
  assert.equal(originAllowed('https://example.org', allowOrigins), true)
  for (const origin of ['http://localhost:8081', 'http://evil.example', 'null', '', 'file://', 'http://localhost:8080.evil.example']) {
    assert.equal(originAllowed(origin, allowOrigins), false, origin)
  }
  assert.equal(originAllowed('http://localhost:8080', []), false)
})
