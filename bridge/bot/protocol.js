'use strict'
// Protocol version 1 (bridge/PROTOCOL.md): validating what the agent sends, and encoding what goes back.
const path = require('path')
const Ajv2020 = require('ajv/dist/2020')

const PROTOCOL_VERSION = 1
const MAX_TEXT_BYTES = 64 * 1024
const schema = require(path.join(__dirname, '..', 'protocol.schema.json'))
const REQUEST_TYPES = ['hello', 'observe', 'frame', 'skill', 'cancel', 'ping']

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

module.exports = { PROTOCOL_VERSION, MAX_TEXT_BYTES, ProtocolError, parseRequest, errorMessage, encodeFrame, schema }
