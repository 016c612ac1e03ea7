// Starts examples/kibana-host/server.mjs as a child process and sends it requests.
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

import { firstJsonLine, workspaceDir } from './sim.mjs'

export const HOST_SERVER = join(workspaceDir, 'examples', 'kibana-host', 'server.mjs')
export const ENCRYPTION_KEY = 'the-kibana-host-encryption-key-0123456789'

/** A running host over `sim`: `url`, `request()`, the JSON log lines it wrote, `stop()`. */
export async function startHost(sim, env = {}) {
  const child = spawn(process.execPath, [HOST_SERVER], {
    env: {
      ...process.env,
      PORT: '0',
      CLOUD_URL: sim.cloud_url,
      ES_URL: sim.es_url,
      ES_AUTHORIZATION: sim.es_authorization,
      ENCRYPTION_KEY,
      STORE_PATH: join(mkdtempSync(join(tmpdir(), 'cloud-connect-host-')), 'record'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs = []
  createInterface({ input: child.stderr }).on('line', (line) => logs.push(line))
  const { url } = await firstJsonLine(child, 'the Kibana host')
  const responses = []

  /**
   * Sends a request under /internal/cloud_connect. `privileges` sets x-cloud-connect-privileges;
   * non-GET requests carry kbn-xsrf unless `xsrf` is false. Resolves to `{status, body}`.
   */
  async function request(method, path, { body, rawBody, privileges, xsrf = method !== 'GET' } = {}) {
    const headers = {}
    if (privileges !== undefined) headers['x-cloud-connect-privileges'] = privileges
    if (xsrf) headers['kbn-xsrf'] = 'true'
    let payload = rawBody
    if (body !== undefined) {
      headers['content-type'] = 'application/json'
      payload = JSON.stringify(body)
    }
    const res = await fetch(`${url}/internal/cloud_connect${path}`, { method, headers, body: payload })
    const text = await res.text()
    responses.push(text)
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
  }

  return {
    url,
    logs,
    responses,
    request,
    stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
    },
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  }
}
