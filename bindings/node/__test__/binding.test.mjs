// The binding's API against the simulators: every method, the error properties, the JS adapters
// and the logger. The last test checks that no key leaked into a log line or an error.
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'

import { FetchElasticsearch, MemoryStore, ResponseError } from './helpers/adapters.mjs'
import { assertNoSecrets, canaryKey, errorJournal, recordingLogger } from './helpers/secrets.mjs'
import { startSim } from './helpers/sim.mjs'

const require = createRequire(import.meta.url)
const { CloudConnect, CloudConnectError, ERROR_CODES, ERROR_CODE_INFO, errorCodes, isCloudConnectError } = require('../index.js')

const ENCRYPTION_KEY = 'a-test-encryption-key-of-at-least-32-characters'
const ORGANIZATION_ID = '198583657190'

let sim
let canary
const journal = errorJournal()
const recorder = recordingLogger()

before(async () => {
  sim = await startSim()
  canary = canaryKey()
  assert.equal(await sim.seedKey({ value: canary, organization_id: ORGANIZATION_ID }), canary)
})

after(() => sim?.stop())

function storePath() {
  return join(mkdtempSync(join(tmpdir(), 'cloud-connect-node-')), 'record')
}

/** A client over the file store and the library's own Elasticsearch client. */
function fileClient(extra = {}) {
  return new CloudConnect({
    cloudUrl: sim.cloud_url,
    encryptionKey: ENCRYPTION_KEY,
    store: { kind: 'file', path: storePath() },
    elasticsearch: { url: sim.es_url, authorization: sim.es_authorization },
    logger: recorder.logger,
    ...extra,
  })
}

/** A client whose store and Elasticsearch are JS adapters. */
function adapterClient() {
  const store = new MemoryStore()
  const es = new FetchElasticsearch(sim.es_url, sim.es_authorization)
  const client = new CloudConnect({
    cloudUrl: sim.cloud_url,
    store,
    inference: es,
    localCluster: es,
    logger: recorder.logger,
  })
  return { client, store, es }
}

/** The error `promise` rejects with (recorded for the leak check). */
async function rejection(promise) {
  try {
    await promise
  } catch (err) {
    return journal.note(err)
  }
  assert.fail('expected a rejection')
}

/** The error `fn` throws (recorded for the leak check). */
function thrown(fn) {
  try {
    fn()
  } catch (err) {
    return journal.note(err)
  }
  assert.fail('expected an exception')
}

function assertCloudConnectError(err, code, statusCode) {
  assert.ok(err instanceof Error, 'a real Error')
  assert.ok(err instanceof CloudConnectError)
  assert.ok(isCloudConnectError(err))
  assert.equal(err.name, 'CloudConnectError')
  assert.equal(err.code, code, `${err.code}: ${err.message}`)
  assert.equal(err.statusCode, statusCode)
  assert.equal(typeof err.retryable, 'boolean')
  assert.ok(err.message.length > 0)
  assert.ok(!err.message.includes('CLOUD_CONNECT_ERROR'), 'the wire encoding is not shown')
  assert.ok(typeof err.stack === 'string')
}

async function cloudCluster(id) {
  return sim.control('GET', `/cloud/clusters/${id}`)
}

async function esCcm() {
  return sim.control('GET', '/es/ccm')
}

describe('error codes', () => {
  test('errorCodes() lists the core codes in numeric order, with their host statuses', () => {
    const codes = errorCodes()
    assert.equal(codes.length, 21)
    assert.deepEqual(
      codes.map((c) => c.code),
      [...ERROR_CODES],
    )
    for (let i = 1; i < codes.length; i++) assert.ok(codes[i].number > codes[i - 1].number)
    for (const c of codes) {
      assert.deepEqual(ERROR_CODE_INFO[c.code], { number: c.number, statusCode: c.statusCode, retryable: c.retryable })
      assert.notEqual(c.statusCode, 401, `${c.code} must never answer 401`)
    }
    const byCode = Object.fromEntries(codes.map((c) => [c.code, c]))
    assert.equal(byCode.not_connected.statusCode, 503)
    assert.equal(byCode.invalid_input.number, 1)
    assert.equal(byCode.rollback_failed.retryable, true)
    assert.ok(Object.isFrozen(ERROR_CODES))
  })
})

describe('construction', () => {
  test('the file store without an encryption key is encryption_key_missing', () => {
    const err = thrown(() => fileClient({ encryptionKey: undefined }))
    assertCloudConnectError(err, 'encryption_key_missing', 500)
  })

  test('a short encryption key, a bad store, a missing Elasticsearch, a zero timeout are invalid_input', () => {
    assertCloudConnectError(thrown(() => fileClient({ encryptionKey: 'short' })), 'invalid_input', 400)
    assertCloudConnectError(thrown(() => fileClient({ store: undefined })), 'invalid_input', 400)
    const noSave = thrown(() => fileClient({ store: { load() {}, delete() {} } }))
    assertCloudConnectError(noSave, 'invalid_input', 400)
    assert.match(noSave.message, /store\.save/)
    assertCloudConnectError(thrown(() => fileClient({ elasticsearch: undefined })), 'invalid_input', 400)
    assertCloudConnectError(thrown(() => fileClient({ requestTimeoutMs: 0 })), 'invalid_input', 400)
    for (const bad of [-5, 1e300, 1.5, '100']) {
      assertCloudConnectError(thrown(() => fileClient({ requestTimeoutMs: bad })), 'invalid_input', 400)
    }
    assertCloudConnectError(thrown(() => fileClient({ store: { kind: 'file' } })), 'invalid_input', 400)
    assertCloudConnectError(thrown(() => new CloudConnect(null)), 'invalid_input', 400)
  })

  test('plain http to a non-loopback host needs allowInsecureHttp', () => {
    const err = thrown(() => fileClient({ cloudUrl: 'http://cloud.example.invalid' }))
    assertCloudConnectError(err, 'invalid_input', 400)
    assert.ok(fileClient({ cloudUrl: 'http://cloud.example.invalid', allowInsecureHttp: true }))
  })
})

describe('not connected', () => {
  test('every operation that needs the stored key rejects with not_connected (503)', async () => {
    const client = fileClient()
    for (const call of [
      () => client.status(),
      () => client.updateServices({ auto_ops: true }),
      () => client.rotateClusterKey(),
      () => client.rotateServiceKey('eis'),
      () => client.disconnect(),
    ]) {
      const err = await rejection(call())
      assertCloudConnectError(err, 'not_connected', 503)
      assert.equal(err.retryable, false)
    }
    assert.deepEqual(await client.reconcile(), { actions: [] })
  })

  test('a key the Cloud does not know is invalid_api_key (400, never 401)', async () => {
    const err = await rejection(fileClient().connect('essu_unknown_key_123'))
    assertCloudConnectError(err, 'invalid_api_key', 400)
    assert.equal(err.httpStatus, 401)
    assert.equal(err.message, 'Invalid or expired API key')
  })

  test('a key without cloud_connected_resource assignments is invalid_api_key', async () => {
    const key = await sim.seedKey({ assignments: [], organization_id: ORGANIZATION_ID })
    const err = await rejection(fileClient().connect(key))
    assertCloudConnectError(err, 'invalid_api_key', 400)
    assert.match(err.message, /cloud_connected_resource/)
  })

  test('arguments of the wrong type are invalid_input', async () => {
    const client = fileClient()
    assertCloudConnectError(await rejection(client.connect('')), 'invalid_input', 400)
    assertCloudConnectError(await rejection(client.connect(42)), 'invalid_input', 400)
    assertCloudConnectError(await rejection(client.updateServices('eis')), 'invalid_input', 400)
    assertCloudConnectError(await rejection(client.updateServices(null)), 'invalid_input', 400)
    // A misspelt service is refused, never silently dropped.
    const typo = await rejection(client.updateServices({ eis: true, autoOps: true }))
    assertCloudConnectError(typo, 'invalid_input', 400)
    assert.match(typo.message, /unknown service "autoOps"/)
    assertCloudConnectError(await rejection(client.updateServices({ eis: 'yes' })), 'invalid_input', 400)
    assertCloudConnectError(await rejection(client.rotateServiceKey('foo')), 'invalid_input', 400)
  })
})

describe('lifecycle over the file store and the library Elasticsearch client', () => {
  const client = () => shared
  let shared
  let clusterId

  before(() => {
    shared = fileClient()
  })

  test('connect with an organization key onboards and stores a minted cluster key', async () => {
    const r = await client().connect(canary)
    assert.equal(r.keyKind, 'organization')
    assert.equal(r.created, true)
    assert.match(r.clusterId, /^[a-z0-9]{32}$/)
    assert.equal(r.organizationId, ORGANIZATION_ID)
    clusterId = r.clusterId
    const keys = await sim.control('GET', `/cloud/clusters/${clusterId}/keys`)
    assert.ok(JSON.stringify(keys).length > 2, 'the Cloud minted a cluster key')
    const onboarded = recorder.lines.find((l) => l.message === 'cluster onboarded' && l.meta.cluster_id === clusterId)
    assert.ok(onboarded, 'the logger received the onboarding event')
    assert.equal(onboarded.level, 'info')
    assert.match(onboarded.meta.target, /^cloud_connect/)
  })

  test('a second connect is already_connected (409)', async () => {
    const err = await rejection(client().connect(canary))
    assertCloudConnectError(err, 'already_connected', 409)
  })

  test('status passes the Cloud cluster through with the subscription', async () => {
    const s = await client().status()
    assert.equal(s.cluster.id, clusterId)
    assert.equal(s.cluster.metadata.organization_id, ORGANIZATION_ID)
    assert.equal(typeof s.cluster.services, 'object')
    assert.equal(s.subscription, 'trial')
  })

  test('enabling EIS installs the EIS key in Elasticsearch; asking again changes nothing', async () => {
    const r = await client().updateServices({ eis: true })
    assert.deepEqual(r.changed, ['eis'])
    assert.equal(r.cluster.services.eis.enabled, true)
    assert.equal((await esCcm()).enabled, true)
    assert.equal((await cloudCluster(clusterId)).services.eis.enabled, true)
    const again = await client().updateServices({ eis: true })
    assert.deepEqual(again.changed, [])
  })

  test('AutoOps changes only the Cloud', async () => {
    const r = await client().updateServices({ auto_ops: true })
    assert.deepEqual(r.changed, ['auto_ops'])
    assert.equal((await cloudCluster(clusterId)).services.auto_ops.enabled, true)
  })

  test('rotating the EIS key installs the new key in Elasticsearch', async () => {
    const before = (await esCcm()).key
    const r = await client().rotateServiceKey('eis')
    assert.equal(r.rotated, 'eis')
    const afterKey = (await esCcm()).key
    assert.ok(afterKey && afterKey !== before, 'Elasticsearch holds a new EIS key')
  })

  test('rotating the cluster key keeps the connection usable', async () => {
    const r = await client().rotateClusterKey()
    assert.equal(r.rotated, 'cluster')
    assert.equal(typeof r.previousKeyRevoked, 'boolean')
    assert.equal((await client().status()).cluster.id, clusterId)
  })

  test('syncLicense updates the Cloud once, then sees nothing to do', async () => {
    assert.deepEqual(await client().syncLicense({ type: 'platinum', uid: 'license-uid-1' }), { updated: true })
    assert.equal((await cloudCluster(clusterId)).license.type, 'platinum')
    assert.deepEqual(await client().syncLicense({ type: 'platinum', uid: 'license-uid-1' }), { updated: false })
    const err = await rejection(client().syncLicense({ type: 'bogus', uid: 'x' }))
    assertCloudConnectError(err, 'invalid_input', 400)
  })

  test('a busy Cloud is a retryable conflict carrying the Cloud code', async () => {
    await sim.control('POST', `/cloud/clusters/${clusterId}/in-progress`, { calls: 1 })
    const err = await rejection(client().updateServices({ auto_ops: false }))
    assertCloudConnectError(err, 'conflict', 409)
    assert.equal(err.retryable, true)
    assert.equal(err.cloudCode, 'clusters.patch_cluster.invalid_state')
    assert.equal(err.httpStatus, 409)
    assert.equal((await cloudCluster(clusterId)).services.auto_ops.enabled, true, 'nothing changed')
  })

  test('disconnect removes the registration and the EIS key; the client is then not connected', async () => {
    const r = await client().disconnect()
    assert.deepEqual(r, { clusterId, cloudAlreadyGone: false, eisKeyRemoved: true })
    assert.equal((await esCcm()).enabled, false)
    assertCloudConnectError(await rejection(client().status()), 'not_connected', 503)
  })
})

describe('cluster-scoped keys', () => {
  test('a key scoped to this cluster registration is adopted; that of another cluster only on request', async () => {
    const owner = fileClient()
    const { clusterId } = await owner.connect(sim.org_api_key)
    const scoped = await sim.seedKey({
      organization_id: ORGANIZATION_ID,
      assignments: [{ role_id: 'cloud-connected-admin', organization_id: ORGANIZATION_ID, all: false, resource_ids: [clusterId] }],
    })
    const adopted = await fileClient().connect(scoped)
    assert.deepEqual(adopted, { clusterId, organizationId: ORGANIZATION_ID, keyKind: 'cluster_scoped', created: false })

    const es = await sim.control('GET', '/es/config')
    await sim.control('POST', '/es/config', { cluster: { cluster_uuid: 'AnotherClusterUuid0000' } })
    try {
      const refused = await rejection(fileClient().connect(scoped))
      assertCloudConnectError(refused, 'invalid_input', 400)
      assert.match(refused.message, /another Elasticsearch cluster/)
      const forced = await fileClient().connect(scoped, { adoptForeignRegistration: true })
      assert.equal(forced.clusterId, clusterId)
    } finally {
      await sim.control('POST', '/es/config', { cluster: { cluster_uuid: es.cluster.cluster_uuid } })
    }
    await owner.disconnect()
  })
})

describe('rollback failure', () => {
  test('a failed EIS install whose rollback fails reports both errors; reconcile repairs it', async () => {
    const client = fileClient()
    const { clusterId } = await client.connect(sim.org_api_key)
    // Elasticsearch (EIS) rejects every key; the Cloud refuses the compensating PATCH.
    await sim.control('POST', '/es/eis', { outcome: { type: 'status', status: 401 } })
    await sim.fault({ route: 'cloud.patch_cluster', nth: 2, kind: { type: 'status', status: 500, body: '' } })
    try {
      const err = await rejection(client.updateServices({ eis: true }))
      assertCloudConnectError(err, 'rollback_failed', 500)
      assert.equal(err.operationErrorCode, 'eis_key_rejected')
      assert.equal(err.rollbackErrorCode, 'cloud_unavailable')
      assert.match(err.operationError, /Elasticsearch/)
      assert.equal(typeof err.rollbackError, 'string')
      assert.equal((await cloudCluster(clusterId)).services.eis.enabled, true, 'the Cloud kept EIS on')
    } finally {
      await sim.clearFaults()
      await sim.control('POST', '/es/eis', { outcome: null })
    }
    const report = await client.reconcile()
    assert.equal(report.operation, 'update_services')
    assert.equal(report.rolledForward, false)
    assert.ok(report.actions.length > 0)
    assert.equal((await cloudCluster(clusterId)).services.eis.enabled, false, 'reconcile rolled EIS back')
    await client.disconnect()
  })
})

describe('JS adapters', () => {
  test('a JS store receives the record with its secrets in plain text, and with compare-and-swap', async () => {
    const { client, store } = adapterClient()
    const { clusterId } = await client.connect(sim.org_api_key)
    const record = JSON.parse(store.record)
    assert.equal(record.connection.cluster_id, clusterId)
    assert.equal(record.connection.organization_id, ORGANIZATION_ID)
    const keys = await sim.control('GET', `/cloud/clusters/${clusterId}/keys`)
    assert.ok(JSON.stringify(keys).includes(record.connection.api_key), 'the stored key is the minted cluster key, in plain text')
    assert.notEqual(record.connection.api_key, sim.org_api_key, 'the organization key is never stored')
    assert.ok(store.version >= 2, 'the intent and the connection were written')
    assert.equal((await client.status()).cluster.id, clusterId)

    store.nextFailure = Object.assign(new Error('the stored version moved'), { code: 'conflict' })
    const conflict = await rejection(client.updateServices({ auto_ops: true }))
    assertCloudConnectError(conflict, 'conflict', 409)
    assert.equal(conflict.retryable, true)

    store.nextFailure = new Error('disk on fire')
    const storage = await rejection(client.updateServices({ auto_ops: true }))
    assertCloudConnectError(storage, 'storage', 500)
    assert.match(storage.message, /disk on fire/)

    await client.disconnect()
    assert.equal(store.record, null)
  })

  test('a JS inference configurator error is classified, masked and rolled back', async () => {
    const { client, es } = adapterClient()
    const { clusterId } = await client.connect(sim.org_api_key)
    let sentKey
    es.override.putCcm = async (apiKey) => {
      sentKey = apiKey
      // A careless adapter that puts the key into its error message.
      throw new ResponseError(400, {
        error: { type: 'status_exception', reason: `Failed to validate the Cloud Connected Mode API key ${apiKey}` },
      })
    }
    const err = await rejection(client.updateServices({ eis: true }))
    assertCloudConnectError(err, 'eis_key_rejected', 500)
    assert.equal(err.httpStatus, 400)
    assert.ok(sentKey && sentKey.length > 8)
    assert.ok(!err.message.includes(sentKey), 'the key is masked out of the message')
    assert.equal((await cloudCluster(clusterId)).services.eis.enabled, false, 'the Cloud change was rolled back')
    assert.ok(es.calls.includes('GET /'), 'the local cluster adapter was called')
    await client.disconnect()
  })

  test('an Elasticsearch without CCM is refused before the Cloud is changed', async () => {
    const { client, es } = adapterClient()
    const { clusterId } = await client.connect(sim.org_api_key)
    const patchesBefore = (await sim.state()).cloud.route_counts['cloud.patch_cluster'] ?? 0
    es.override.clusterInfo = (body) => ({ ...body, version: { number: '9.2.4' } })
    assertCloudConnectError(await rejection(client.updateServices({ eis: true })), 'ccm_unsupported', 400)
    es.override.clusterInfo = undefined
    es.override.getCcm = async () => 'unsupported'
    assertCloudConnectError(await rejection(client.updateServices({ eis: true })), 'ccm_unsupported', 400)
    es.override.getCcm = async () => {
      throw new ResponseError(403, { error: { type: 'status_exception', reason: 'Cloud Connected Mode configuration is not permitted for this environment' } })
    }
    assertCloudConnectError(await rejection(client.updateServices({ eis: true })), 'ccm_unsupported', 400)
    const patchesAfter = (await sim.state()).cloud.route_counts['cloud.patch_cluster'] ?? 0
    assert.equal(patchesAfter, patchesBefore, 'no PATCH was sent')
    assert.equal((await cloudCluster(clusterId)).services.eis.enabled, false)
    await client.disconnect()
  })

  test('each instance logs to its own logger only', async () => {
    const a = recordingLogger()
    const b = recordingLogger()
    const clientA = fileClient({ logger: a.logger })
    fileClient({ logger: b.logger })
    const { clusterId } = await clientA.connect(sim.org_api_key)
    await clientA.disconnect()
    await new Promise((r) => setImmediate(r))
    assert.ok(a.lines.some((l) => l.meta.cluster_id === clusterId))
    assert.equal(b.lines.length, 0)
    recorder.lines.push(...a.lines)
  })
})

describe('secrets', () => {
  test('the leak check fails on a planted secret', () => {
    assert.throws(() => assertNoSecrets(['x essu_planted_secret y'], ['essu_planted_secret'], 'probe'))
  })

  test('no key appears in any log line or error message of this file', async () => {
    const secrets = [canary, ...(await sim.allKeys())]
    assert.ok(secrets.length > 5, `the simulators issued keys during the suite (${secrets.length})`)
    assert.ok(recorder.lines.length > 0, 'the logger received events')
    assert.ok(journal.texts.length > 10, 'errors were seen')
    assertNoSecrets(
      recorder.lines.map((l) => l.text),
      secrets,
      'a log line',
    )
    assertNoSecrets(journal.texts, secrets, 'an error')
  })
})
