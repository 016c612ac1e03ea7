// Child process of exit.test.mjs: uses the binding (file store or JS adapters, a logger), prints
// `done` after its last call, then leaves the event loop to drain. Node must exit by itself.
'use strict'
const { mkdtempSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const { CloudConnect } = require('../../index.js')

const sim = JSON.parse(process.env.SIM_INFO)
const scenario = process.argv[2]
let logged = 0
const logger = { debug() { logged++ }, info() { logged++ }, warn() { logged++ }, error() { logged++ } }

function options() {
  const base = { cloudUrl: sim.cloud_url, logger }
  if (scenario === 'adapters') {
    let record = null
    let version = 0
    const es = async (method, path, body) => {
      const res = await fetch(`${sim.es_url}${path}`, {
        method,
        headers: { authorization: sim.es_authorization, 'content-type': 'application/json' },
        body: body && JSON.stringify(body),
      })
      if (!res.ok) throw Object.assign(new Error(`status ${res.status}`), { meta: { statusCode: res.status } })
      return res.json()
    }
    return {
      ...base,
      store: {
        async load() { return { record, version: String(version) } },
        async save(r) { record = r; version++; return String(version) },
        async delete() { record = null; version++; return String(version) },
      },
      inference: {
        putCcm: (key) => es('PUT', '/_inference/_ccm', { api_key: key }),
        deleteCcm: async () => { await es('DELETE', '/_inference/_ccm'); return 'disabled' },
        getCcm: async () => ((await es('GET', '/_inference/_ccm')).enabled ? 'enabled' : 'disabled'),
      },
      localCluster: { clusterInfo: () => es('GET', '/'), license: () => es('GET', '/_license') },
    }
  }
  return {
    ...base,
    encryptionKey: 'an-encryption-key-of-at-least-32-characters',
    store: { kind: 'file', path: join(mkdtempSync(join(tmpdir(), 'cc-exit-')), 'record') },
    elasticsearch: { url: sim.es_url, authorization: sim.es_authorization },
  }
}

async function main() {
  const client = new CloudConnect(options())
  if (scenario === 'failure') {
    await client.status().catch((e) => { if (e.code !== 'not_connected') throw e })
  } else {
    await client.connect(sim.org_api_key)
    await client.status()
    await client.updateServices({ eis: true })
    await client.disconnect()
  }
  process.stdout.write(`done ${logged}\n`)
}

main().catch((err) => {
  process.stderr.write(`${err.code}: ${err.message}\n`)
  process.exitCode = 1
})
