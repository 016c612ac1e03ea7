// Node exits promptly after the last call: the binding's threadsafe functions (adapters, logger)
// and its runtime never keep the event loop alive on their own.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { after, before, test } from 'node:test'

import { startSim } from './helpers/sim.mjs'

const child = join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'exit-child.cjs')
let sim

before(async () => {
  sim = await startSim()
})

after(() => sim?.stop())

/** Runs the child; resolves to the time between its `done` line and its exit, in ms. */
function exitDelay(scenario) {
  return new Promise((resolve, reject) => {
    const info = { cloud_url: sim.cloud_url, es_url: sim.es_url, es_authorization: sim.es_authorization, org_api_key: sim.org_api_key }
    const proc = spawn(process.execPath, [child, scenario], {
      env: { ...process.env, SIM_INFO: JSON.stringify(info) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const killer = setTimeout(() => proc.kill('SIGKILL'), 30_000)
    let doneAt
    let doneLine
    let stderr = ''
    proc.stderr.on('data', (d) => {
      stderr += d
    })
    createInterface({ input: proc.stdout }).on('line', (line) => {
      if (line.startsWith('done')) {
        doneAt = performance.now()
        doneLine = line
      }
    })
    proc.on('exit', (code, signal) => {
      clearTimeout(killer)
      const exitedAt = performance.now()
      if (doneAt === undefined) return reject(new Error(`the child never finished (${code ?? signal}): ${stderr}`))
      resolve({ code, signal, delay: exitedAt - doneAt, doneLine, stderr })
    })
  })
}

for (const scenario of ['file', 'adapters', 'failure']) {
  test(`Node exits within one second after the last call (${scenario})`, async (t) => {
    await sim.reset()
    const r = await exitDelay(scenario)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.signal, null)
    t.diagnostic(`exited ${Math.round(r.delay)} ms after the last call`)
    assert.ok(r.delay < 1000, `exited ${Math.round(r.delay)} ms after the last call`)
    if (scenario !== 'failure') assert.notEqual(r.doneLine, 'done 0', 'the logger was in use')
  })
}
