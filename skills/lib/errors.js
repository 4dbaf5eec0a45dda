'use strict'
// A skill fails by throwing SkillError(kind, message); the runner turns it into a structured result.
// Kinds are the protocol's (bridge/PROTOCOL.md): cancelled, deadline, disconnected, died, missing_items,
// missing_tool, not_found, unreachable, failed; and internal, which the runner gives any other exception
// (a bug, never a fact about the world: its text and stack go to the bridge's log, not to the agent).
class SkillError extends Error {
  constructor (kind, message) {
    super(message)
    this.kind = kind
  }
}

// Bad input (unknown token, wrong arguments): answered as a protocol error, the skill never starts.
class SkillInputError extends Error {
  constructor (kind, message) {
    super(message)
    this.kind = kind // 'unknown_skill' | 'bad_arguments'
  }
}

/**
 * What a skill throws when a mineflayer call fails: mineflayer's own refusal (an Error with a sentence) as a
 * 'failed' SkillError naming `what`; a JavaScript exception from inside the client (TypeError and the like: a
 * bug, its text meaningless to the agent) as itself, which the runner reports as 'internal' with its stack in
 * the bridge's log.
 */
function clientFailure (what, err) {
  if (err instanceof SkillError) return err
  if (err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError || err instanceof SyntaxError) return err
  return new SkillError('failed', `${what} failed: ${err?.message ?? err}`)
}

module.exports = { SkillError, SkillInputError, clientFailure }
