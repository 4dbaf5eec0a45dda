'use strict'
// The guards that keep a Node process from outliving whoever started it, in real processes: one whose parent is
// killed outright (kill -9: no signal reaches a child in a session of its own), and one whose stderr reader is
// gone while it keeps logging (before issue 14 the bridge spun on the broken pipe, 38 000 failed writes in 3 s).
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const readline = require('node:readline')

const GUARD = JSON.stringify(require.resolve('./orphan_guard'))

/** The first line a child prints on stdout. */
function firstLine (child) {
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve)
    child.once('exit', code => reject(new Error(`exited (${code}) before it said anything`)))
  })
}

/** Whether the process `pid` still exists (a zombie waiting for its reaper does not count). */
function running (pid) {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return !/\) [ZX] /.test(require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

async function msUntilGone (pid, timeoutMs) {
  const start = Date.now()
  while (Date.now() - start < timeoutMs) {
    if (!running(pid)) return Date.now() - start
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  return null
}

test('a process whose parent is killed outright exits within a second', { timeout: 20000 }, async () => {
  // The parent starts the watched child in a session of its own, as the Python side does, says its pid, waits.
  const child = `require(${GUARD}).watchParent(() => process.exit(0)); setInterval(() => {}, 1000)`
  const parent = spawn(process.execPath, ['-e', `
    const { spawn } = require('node:child_process')
    const c = spawn(process.execPath, ['-e', ${JSON.stringify(child)}], { detached: true, stdio: 'ignore' })
    setTimeout(() => console.log(c.pid), 300)
    setInterval(() => {}, 1000)`], { stdio: ['ignore', 'pipe', 'inherit'] })
  const pid = Number(await firstLine(parent))
  try {
    assert.ok(running(pid), 'the child was never running')
    parent.kill('SIGKILL')
    const took = await msUntilGone(pid, 5000)
    assert.ok(took !== null && took < 1500, `the child still ran ${took} ms after its parent was killed`)
  } finally {
    if (running(pid)) process.kill(pid, 'SIGKILL')
  }
})

test('a process whose stderr reader is gone stops instead of spinning on the broken pipe', { timeout: 20000 }, async () => {
  // It logs every few milliseconds and, like the server and the bridge, logs its uncaught exceptions too.
  const child = spawn(process.execPath, ['-e', `
    const { guardPipes, isBrokenPipe } = require(${GUARD})
    const pipes = guardPipes(() => setImmediate(() => process.exit(7)))
    process.on('uncaughtException', err => isBrokenPipe(err) ? pipes.broken(err) : pipes.isOpen() && console.error(err))
    setInterval(() => { if (pipes.isOpen()) process.stderr.write('a log line\\n') }, 2)
    console.log('ready')`], { stdio: ['ignore', 'pipe', 'pipe'] })
  await firstLine(child)
  child.stderr.destroy() // whoever read the log is gone; the parent (this process) lives on
  const code = await new Promise(resolve => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); resolve('still running after 5 s') }, 5000)
    child.once('exit', c => { clearTimeout(timer); resolve(c) })
  })
  assert.equal(code, 7)
})
