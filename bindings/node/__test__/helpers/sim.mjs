// Starts the `cloud-connect-sim` binary (crate cloud-connect-testkit) and talks to its control API.
// The binary is $CLOUD_CONNECT_SIM, else <workspace>/target/debug/cloud-connect-sim.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
export const packageDir = resolve(here, '..', '..')
export const workspaceDir = resolve(packageDir, '..', '..')

export function simBinary() {
  const bin = process.env.CLOUD_CONNECT_SIM ?? join(process.env.CARGO_TARGET_DIR ?? join(workspaceDir, 'target'), 'debug', 'cloud-connect-sim')
  if (!existsSync(bin)) {
    throw new Error(`${bin} not found: run 'cargo build -p cloud-connect-testkit --bin cloud-connect-sim' (or set CLOUD_CONNECT_SIM)`)
  }
  return bin
}

/** Reads the first stdout line of `child` as JSON (rejects if it exits first or takes too long). */
export function firstJsonLine(child, what, timeoutMs = 15_000) {
  return new Promise((resolvePromise, reject) => {
    const lines = createInterface({ input: child.stdout })
    const timer = setTimeout(() => reject(new Error(`${what} printed nothing within ${timeoutMs} ms`)), timeoutMs)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited (${code}) before printing its address`))
    })
    lines.once('line', (line) => {
      clearTimeout(timer)
      lines.close()
      try {
        resolvePromise(JSON.parse(line))
      } catch (err) {
        reject(new Error(`${what} printed a line that is not JSON: ${err.message}`))
      }
    })
  })
}

/** A running simulator: its addresses, control helpers, and `stop()`. */
export async function startSim({ seconds = 600 } = {}) {
  const child = spawn(simBinary(), ['--seconds', String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] })
  const info = await firstJsonLine(child, 'cloud-connect-sim')
  const control = async (method, path, body) => {
    const res = await fetch(`${info.control_url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const json = await res.json()
    if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
    return json
  }
  return {
    ...info,
    child,
    control,
    /** Injects a fault (see the testkit README). */
    fault: (spec) => control('POST', '/faults', spec),
    clearFaults: () => control('DELETE', '/faults'),
    reset: () => control('POST', '/reset'),
    state: () => control('GET', '/state'),
    /** Seeds an organization key (optionally with a chosen value) and returns it. */
    seedKey: async (seed = {}) => (await control('POST', '/cloud/keys', seed)).key,
    /** Every key value the simulators ever issued or hold (for secret-leak checks). */
    async allKeys() {
      const s = await control('GET', '/state')
      const keys = new Set([info.org_api_key])
      for (const k of s.cloud.keys ?? []) for (const v of [k.key, k.value]) if (typeof v === 'string') keys.add(v)
      if (typeof s.es?.ccm?.key === 'string') keys.add(s.es.ccm.key)
      return [...keys].filter((k) => k.length >= 8)
    },
    stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
    },
  }
}
