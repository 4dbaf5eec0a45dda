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

module.exports = { SkillError, SkillInputError }
