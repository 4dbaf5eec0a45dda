'use strict'
// A Node process that the Python side starts (the embedded server, the bridge) runs in a session of its own, so
// that a Ctrl-C reaches only the agent. So when the agent is killed outright (kill -9) no signal reaches the child:
// it would keep running, and its stdout and stderr pipes break only when it next writes, after which an
// exception handler that logs to them would spin on the broken pipe (issue 14: 38 000 failed writes in 3 s). Two
// guards, shared by both processes:
// - watchParent: the parent's death shows as a new parent pid (init or a subreaper);
// - guardPipes: a broken stdout or stderr pipe means whoever read them is gone: stop writing to them, and stop.
const { real } = require('./game_clock')

const PARENT_POLL_MS = 500 // real ms (not K times faster with the game clock): the exit comes within a second

/**
 * Call onGone(pid) once, when the process that started this one has died. Nothing is watched when the parent
 * is init (a service manager started it). The timer is unref'd: it never keeps the process alive.
 */
function watchParent (onGone, pollMs = PARENT_POLL_MS) {
  const parent = process.ppid
  if (parent <= 1) return null
  const timer = real.setInterval(() => {
    if (process.ppid === parent) return
    real.clearInterval(timer)
    onGone(parent)
  }, pollMs)
  timer.unref()
  return timer
}

/** Whether an error is a write to a stdout or stderr whose reader is gone. */
function isBrokenPipe (err) {
  return err?.code === 'EPIPE' && (process.stdout.destroyed || process.stderr.destroyed)
}

/**
 * Call onBroken(err) once, the first time stdout or stderr fails (the reader is gone). Returns whether the
 * pipes are still open, for loggers that must not write once they are not.
 */
function guardPipes (onBroken) {
  let open = true
  const broken = err => {
    if (!open) return
    open = false
    onBroken(err)
  }
  process.stdout.on('error', broken)
  process.stderr.on('error', broken)
  return { isOpen: () => open, broken }
}

module.exports = { watchParent, guardPipes, isBrokenPipe, PARENT_POLL_MS }
