'use strict'
// Protocol version 1 (bridge/PROTOCOL.md): validating what the agent sends, and encoding what goes back.
const path = require('path')
const Ajv2020 = require('ajv/dist/2020')

const PROTOCOL_VERSION = 1
const MAX_TEXT_BYTES = 64 * 1024
// No request nests deeper than 2 (skill args, hello frames): 16 leaves room, and keeps a hostile message
// ('[[[[…' 30 000 deep fits in 64 KiB) out of the recursive parts of JSON handling (stringify, the schema).
const MAX_DEPTH = 16
const schema = require(path.join(__dirname, '..', 'protocol.schema.json'))
const REQUEST_TYPES = ['hello', 'observe', 'frame', 'skill', 'cancel', 'ping', 'stream']

const ajv = new Ajv2020({ allErrors: false, strict: false })
ajv.addSchema(schema)
const validators = Object.fromEntries(REQUEST_TYPES.map(t => [t, ajv.getSchema(`${schema.$id}#/$defs/${t}`)]))

class ProtocolError extends Error {
  constructor (kind, message, id) {
    super(message)
    this.kind = kind
    this.id = id
  }
}

/** Parse one text message into a validated request. Throws ProtocolError. */
function parseRequest (data) {
  const text = Buffer.isBuffer(data) ? data : Buffer.from(String(data))
  if (text.length > MAX_TEXT_BYTES) throw new ProtocolError('too_large', `message of ${text.length} bytes; the limit is ${MAX_TEXT_BYTES}`)
  const depth = nestingDepth(text, MAX_DEPTH)
  if (depth > MAX_DEPTH) throw new ProtocolError('too_deep', `message nested more than ${MAX_DEPTH} levels deep; the limit is ${MAX_DEPTH}`)
  let msg
  try {
    msg = JSON.parse(text.toString('utf8'))
  } catch (err) {
    throw new ProtocolError('malformed_json', `not JSON: ${err.message}`)
  }
  if (!msg || typeof msg !== 'object' || Array.isArray(msg)) throw new ProtocolError('bad_request', 'a message is a JSON object')
  const id = typeof msg.id === 'string' ? msg.id : undefined
  if (!REQUEST_TYPES.includes(msg.type)) {
    throw new ProtocolError('unknown_type', `unknown message type ${JSON.stringify(msg.type)} (known: ${REQUEST_TYPES.join(', ')})`, id)
  }
  const validate = validators[msg.type]
  if (!validate(msg)) {
    const e = validate.errors[0]
    throw new ProtocolError('bad_request', `${msg.type}${e.instancePath || ''} ${e.message}${e.params?.additionalProperty ? ` ('${e.params.additionalProperty}')` : ''}`, id)
  }
  return msg
}

/**
 * How deeply the arrays and objects of a JSON text nest (brackets inside strings aside), counted without
 * parsing it and without recursion; stops counting once past `limit`. Malformed text is left to JSON.parse.
 */
function nestingDepth (bytes, limit = Infinity) {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x5b || c === 0x7b) { // [ {
      if (++depth > max && (max = depth) > limit) return max
    } else if (c === 0x5d || c === 0x7d) { // ] }
      depth--
    }
  }
  return max
}

function errorMessage (kind, message, id) {
  return { type: 'error', kind, message, ...(id ? { id } : {}) }
}

/** A frame as one binary message: uint32 LE header length, JSON header, RGB bytes, optional uint16 labels. */
function encodeFrame (header, rgb, labels) {
  const head = Buffer.from(JSON.stringify({ type: 'frame', channels: 3, ...header, labels: Boolean(labels) }))
  const len = Buffer.alloc(4)
  len.writeUInt32LE(head.length, 0)
  return Buffer.concat(labels ? [len, head, rgb, labels] : [len, head, rgb])
}

module.exports = { PROTOCOL_VERSION, MAX_TEXT_BYTES, MAX_DEPTH, nestingDepth, ProtocolError, parseRequest, errorMessage, encodeFrame, schema }
