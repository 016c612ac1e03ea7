// examples/kibana-host over HTTP: the seven routes of spec/kibana-plugin.md §9 with Kibana's
// request rules, statuses, messages and error envelope, against the simulators. The tests of a
// describe block run in order and share one connection state.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { startHost } from './helpers/host.mjs'
import { assertNoSecrets, canaryKey } from './helpers/secrets.mjs'
import { startSim } from './helpers/sim.mjs'

const ORGANIZATION_ID = '198583657190'
const NOT_CONNECTED = 'Failed to retrieve API key from saved object'
const TERMS =
  'Terms and Conditions not accepted or no cloud organization found. Please complete the setup in Elastic Cloud.'

const ROUTES = [
  { method: 'GET', path: '/config', privilege: 'read' },
  { method: 'GET', path: '/cluster_details', privilege: 'read' },
  { method: 'PUT', path: '/cluster_details', privilege: 'manage', body: { services: { auto_ops: { enabled: true } } } },
  { method: 'DELETE', path: '/cluster', privilege: 'manage' },
  { method: 'POST', path: '/authenticate', privilege: 'manage', body: { apiKey: 'essu_whatever' } },
  { method: 'POST', path: '/cluster/rotate_api_key', privilege: 'manage' },
  { method: 'POST', path: '/cluster/eis/rotate_api_key', privilege: 'manage' },
]

let sim
let host
let canary
let clusterId

before(async () => {
  sim = await startSim()
  canary = canaryKey()
  await sim.seedKey({ value: canary, organization_id: ORGANIZATION_ID })
  host = await startHost(sim)
})

after(() => {
  host?.stop()
  sim?.stop()
})

const api = (...args) => host.request(...args)

/** Asserts Kibana's error envelope. */
function assertError(reply, status, message, code) {
  assert.equal(reply.status, status, JSON.stringify(reply.body))
  assert.equal(reply.body.statusCode, status)
  assert.equal(typeof reply.body.error, 'string')
  assert.ok(reply.body.error.length > 0)
  if (message instanceof RegExp) assert.match(reply.body.message, message)
  else assert.equal(reply.body.message, message)
  if (code === undefined) {
    assert.equal(reply.body.attributes, undefined)
  } else {
    assert.equal(reply.body.attributes?.code, code)
    assert.equal(typeof reply.body.attributes.retryable, 'boolean')
  }
  assert.deepEqual(
    Object.keys(reply.body).filter((k) => !['statusCode', 'error', 'message', 'attributes'].includes(k)),
    [],
    'only the envelope keys',
  )
}

const cloudCluster = (id) => sim.control('GET', `/cloud/clusters/${id}`)
const esCcm = () => sim.control('GET', '/es/ccm')

describe('requests refused before the handler', () => {
  test('an unknown route or method is 404', async () => {
    assertError(await api('GET', '/nope'), 404, 'Not Found')
    assertError(await api('GET', '/authenticate'), 404, 'Not Found')
    assertError(await api('PATCH', '/cluster_details', { body: {} }), 404, 'Not Found')
  })

  test('a malformed percent-encoding in the path is 400 and the server keeps serving', async () => {
    assertError(await api('POST', '/cluster/%E0%A4%A/rotate_api_key', { xsrf: false }), 400, 'Invalid URL path encoding')
    assertError(await api('GET', '/nope'), 404, 'Not Found')
  })

  test('a non-GET request without kbn-xsrf is 400', async () => {
    for (const r of ROUTES.filter((x) => x.method !== 'GET')) {
      assertError(await api(r.method, r.path, { body: r.body, xsrf: false }), 400, 'Request must contain a kbn-xsrf header.')
    }
  })

  test('privilege none is refused everywhere, read only on the five mutating routes', async () => {
    for (const r of ROUTES) {
      const granted = r.privilege === 'manage' ? 'manage_cloudConnect' : 'read_cloudConnect'
      const expected = `API [${r.method} /internal/cloud_connect${r.path.replace('/eis/', '/{service_key}/')}] is unauthorized for user, this action is granted by the Kibana privileges [${granted}]`
      assertError(await api(r.method, r.path, { body: r.body, privileges: 'none' }), 403, expected)
      const asReader = await api(r.method, r.path, { body: r.body, privileges: 'read' })
      if (r.privilege === 'manage') assertError(asReader, 403, expected)
      else assert.notEqual(asReader.status, 403)
    }
    assertError(await api('GET', '/config', { privileges: 'superuser?' }), 403, /unauthorized/)
    assert.equal((await api('GET', '/config', { privileges: 'manage' })).status, 200)
  })
})

describe('GET /config', () => {
  test('reports the encryption key, the license and the cluster', async () => {
    const es = await sim.control('GET', '/es/config')
    const reply = await api('GET', '/config')
    assert.equal(reply.status, 200)
    assert.deepEqual(reply.body, {
      hasEncryptedSOEnabled: true,
      license: { type: es.license.type, uid: es.license.uid },
      cluster: { id: es.cluster.cluster_uuid, name: es.cluster.cluster_name, version: es.cluster.version },
    })
  })

  test('never fails: an Elasticsearch failure leaves only hasEncryptedSOEnabled', async () => {
    await sim.fault({ route: 'es.info', kind: { type: 'status', status: 500, body: '{"error":"boom"}' } })
    try {
      const reply = await api('GET', '/config', { privileges: 'read' })
      assert.equal(reply.status, 200)
      assert.deepEqual(reply.body, { hasEncryptedSOEnabled: true })
      assert.ok(host.logs.some((l) => l.includes('Failed to fetch cluster and license information')))
    } finally {
      await sim.clearFaults()
    }
  })

  test('without an encryption key: hasEncryptedSOEnabled is false and onboarding fails cleanly', async () => {
    const keyless = await startHost(sim, { ENCRYPTION_KEY: '' })
    try {
      const config = await keyless.request('GET', '/config')
      assert.equal(config.status, 200)
      assert.equal(config.body.hasEncryptedSOEnabled, false)
      const reply = await keyless.request('POST', '/authenticate', { body: { apiKey: canary } })
      assertError(reply, 500, 'An error occurred while authenticating with Cloud Connect', 'encryption_key_missing')
      assert.equal((await sim.state()).cloud.clusters.length, 0, 'nothing was registered in the Cloud')
    } finally {
      keyless.stop()
    }
  })
})

describe('a misconfigured host', () => {
  test('a short encryption key is the server\'s fault: 500 on every route that needs it, not 400', async () => {
    const short = await startHost(sim, { ENCRYPTION_KEY: 'too-short' })
    try {
      for (const r of ROUTES.filter((x) => x.path !== '/config')) {
        const reply = await short.request(r.method, r.path, { body: r.body })
        assert.equal(reply.status, 500, `${r.method} ${r.path}: ${JSON.stringify(reply.body)}`)
        assert.equal(reply.body.attributes?.code, 'invalid_input')
      }
    } finally {
      short.stop()
    }
  })
})

describe('not connected', () => {
  test('the five routes that need the stored key answer 503', async () => {
    for (const r of ROUTES.filter((x) => !['/config', '/authenticate'].includes(x.path))) {
      assertError(await api(r.method, r.path, { body: r.body }), 503, NOT_CONNECTED, 'not_connected')
    }
  })

  test('request validation still comes first', async () => {
    assertError(await api('PUT', '/cluster_details', { body: {} }), 400, /^\[request body.services\]/)
    assertError(await api('POST', '/cluster/foo/rotate_api_key'), 400, '[request params.service_key]: expected value to equal [eis]')
  })
})

describe('POST /authenticate', () => {
  test('validates the body like Kibana', async () => {
    const cases = [
      [undefined, '[request body]: expected a plain object value, but found [null] instead.'],
      [{}, '[request body.apiKey]: expected value of type [string] but got [undefined]'],
      [{ apiKey: '' }, '[request body.apiKey]: value has length [0] but it must have a minimum length of [1].'],
      [{ apiKey: 5 }, '[request body.apiKey]: expected value of type [string] but got [number]'],
      [{ apiKey: 'essu_x', extra: 1 }, '[request body.extra]: definition for this key is missing'],
      [[canary], '[request body]: expected a plain object value, but found [Array] instead.'],
    ]
    for (const [body, message] of cases) assertError(await api('POST', '/authenticate', { body }), 400, message)
    assertError(await api('POST', '/authenticate', { rawBody: '{"apiKey":' }), 400, 'Invalid request payload JSON format')
  })

  test('an unknown key is 400 "Invalid or expired API key"', async () => {
    assertError(await api('POST', '/authenticate', { body: { apiKey: 'essu_not_known' } }), 400, 'Invalid or expired API key', 'invalid_api_key')
  })

  test('a key without Cloud Connect role assignments is 400', async () => {
    const key = await sim.seedKey({ assignments: [], organization_id: ORGANIZATION_ID })
    assertError(
      await api('POST', '/authenticate', { body: { apiKey: key } }),
      400,
      'API key does not have cloud_connected_resource role assignments',
      'invalid_api_key',
    )
  })

  test('terms not accepted is 403 with the setup message', async () => {
    await sim.control('POST', '/cloud/terms', { accepted: false })
    try {
      assertError(await api('POST', '/authenticate', { body: { apiKey: canary } }), 403, TERMS, 'forbidden')
    } finally {
      await sim.control('POST', '/cloud/terms', { accepted: true })
    }
  })

  test('a Cloud 401 after classification is never relayed as 401', async () => {
    await sim.fault({ route: 'cloud.create_cluster', nth: 1, kind: { type: 'status', status: 401, body: '' } })
    const reply = await api('POST', '/authenticate', { body: { apiKey: canary } })
    await sim.clearFaults()
    assert.notEqual(reply.status, 401)
    assertError(reply, 400, 'Elastic Cloud could not onboard the cluster: Invalid or expired API key', 'invalid_api_key')
  })

  test('a Cloud server error is 502 with the route message', async () => {
    await sim.fault({ route: 'cloud.create_cluster', nth: 1, kind: { type: 'status', status: 500, body: 'oops' } })
    const reply = await api('POST', '/authenticate', { body: { apiKey: canary } })
    await sim.clearFaults()
    assertError(reply, 502, 'An error occurred while authenticating with Cloud Connect', 'cloud_unavailable')
    assert.equal(reply.body.attributes.retryable, true)
  })

  test('an organization key onboards the cluster', async () => {
    const reply = await api('POST', '/authenticate', { body: { apiKey: canary } })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    assert.deepEqual(Object.keys(reply.body).sort(), ['cluster_id', 'message', 'organization_id', 'success'])
    assert.equal(reply.body.success, true)
    assert.equal(reply.body.organization_id, ORGANIZATION_ID)
    assert.equal(reply.body.message, 'Cluster authenticated and onboarded successfully')
    assert.match(reply.body.cluster_id, /^[a-z0-9]{32}$/)
    clusterId = reply.body.cluster_id
    assert.equal((await cloudCluster(clusterId)).id, clusterId)
  })

  test('authenticating again while connected is 409', async () => {
    assertError(await api('POST', '/authenticate', { body: { apiKey: canary } }), 409, /already connected/, 'already_connected')
  })
})

describe('GET /cluster_details', () => {
  test('passes the Cloud cluster through with metadata.subscription', async () => {
    const reply = await api('GET', '/cluster_details', { privileges: 'read' })
    assert.equal(reply.status, 200)
    assert.equal(reply.body.id, clusterId)
    assert.equal(reply.body.metadata.organization_id, ORGANIZATION_ID)
    assert.equal(reply.body.metadata.subscription, 'trial')
    assert.equal(typeof reply.body.services.auto_ops.enabled, 'boolean')
    assert.equal(typeof reply.body.self_managed_cluster.id, 'string')
    await sim.control('POST', '/cloud/subscription', { state: 'active' })
    assert.equal((await api('GET', '/cluster_details')).body.metadata.subscription, 'active')
  })

  test('a failed subscription read leaves the cluster without it', async () => {
    await sim.fault({ route: 'cloud.get_subscription', kind: { type: 'status', status: 500, body: '' } })
    const reply = await api('GET', '/cluster_details')
    await sim.clearFaults()
    assert.equal(reply.status, 200)
    assert.equal(reply.body.id, clusterId)
    assert.equal(reply.body.metadata.subscription, undefined)
  })

  test('Cloud 4xx answers pass through with their message; a 401 never does', async () => {
    const errors = (code, message) => JSON.stringify({ errors: [{ code, message }] })
    await sim.fault({ route: 'cloud.get_cluster', nth: 1, kind: { type: 'status', status: 404, body: errors('clusters.get_cluster.not_found', 'cluster not found') } })
    assertError(await api('GET', '/cluster_details'), 404, /cluster not found/, 'not_found')
    await sim.fault({ route: 'cloud.get_cluster', nth: 1, kind: { type: 'status', status: 403, body: errors('clusters.get_cluster.forbidden', 'request is not authorized') } })
    const forbidden = await api('GET', '/cluster_details')
    assertError(forbidden, 403, /request is not authorized/, 'forbidden')
    assert.equal(forbidden.body.attributes.cloudCode, 'clusters.get_cluster.forbidden')
    await sim.fault({ route: 'cloud.get_cluster', nth: 1, kind: { type: 'status', status: 401, body: '' } })
    const unauthorized = await api('GET', '/cluster_details')
    assert.notEqual(unauthorized.status, 401)
    assert.equal(unauthorized.body.attributes.code, 'invalid_api_key')
    await sim.clearFaults()
  })

  test('a Cloud outage is a 5xx with the fixed message', async () => {
    await sim.fault({ route: 'cloud.get_cluster', kind: { type: 'status', status: 500, body: 'internal details' } })
    const reply = await api('GET', '/cluster_details')
    await sim.clearFaults()
    assertError(reply, 502, 'Failed to retrieve cluster details', 'cloud_unavailable')
  })
})

describe('PUT /cluster_details', () => {
  test('validates the body like Kibana, and accepts only auto_ops and eis', async () => {
    const cases = [
      [{}, '[request body.services]: expected value of type [object] but got [undefined]'],
      [{ services: { eis: { enabled: 'yes' } } }, '[request body.services.eis.enabled]: expected value of type [boolean] but got [string]'],
      [{ services: { eis: { enabled: true, region: 'x' } } }, '[request body.services.eis.region]: definition for this key is missing'],
      [{ services: {}, extra: true }, '[request body.extra]: definition for this key is missing'],
      [{ services: { eis: true } }, '[request body.services.eis]: expected value of type [object] but got [boolean]'],
    ]
    for (const [body, message] of cases) assertError(await api('PUT', '/cluster_details', { body }), 400, message)
    assertError(await api('PUT', '/cluster_details', { body: { services: {} } }), 400, 'no service changes were requested', 'invalid_input')
    assertError(
      await api('PUT', '/cluster_details', { body: { services: { observability: { enabled: true } } } }),
      400,
      'unknown service "observability": expected "auto_ops" or "eis"',
      'invalid_input',
    )
  })

  test('enabling EIS installs its key in Elasticsearch', async () => {
    const reply = await api('PUT', '/cluster_details', { body: { services: { eis: { enabled: true }, auto_ops: { enabled: true } } } })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    assert.deepEqual(reply.body, { success: true })
    assert.equal((await esCcm()).enabled, true)
    const cluster = await cloudCluster(clusterId)
    assert.equal(cluster.services.eis.enabled, true)
    assert.equal(cluster.services.auto_ops.enabled, true)
  })

  test('a busy Cloud is 409 with the friendly message and the Cloud code', async () => {
    await sim.control('POST', `/cloud/clusters/${clusterId}/in-progress`, { calls: 1 })
    const reply = await api('PUT', '/cluster_details', { body: { services: { auto_ops: { enabled: false } } } })
    assertError(reply, 409, 'The API is still completing an operation, please try again later', 'conflict')
    assert.equal(reply.body.attributes.cloudCode, 'clusters.patch_cluster.invalid_state')
    assert.equal(reply.body.attributes.retryable, true)
  })

  test('disabling EIS removes the key from Elasticsearch', async () => {
    const reply = await api('PUT', '/cluster_details', { body: { services: { eis: { enabled: false } } } })
    assert.equal(reply.status, 200)
    assert.equal((await esCcm()).enabled, false)
    assert.equal((await cloudCluster(clusterId)).services.eis.enabled, false)
  })

  test('an Elasticsearch failure is rolled back and answered with its message', async () => {
    await sim.control('POST', '/es/eis', { outcome: { type: 'status', status: 401 } })
    try {
      const reply = await api('PUT', '/cluster_details', { body: { services: { eis: { enabled: true } } } })
      assertError(reply, 500, /Elasticsearch/, 'eis_key_rejected')
    } finally {
      await sim.control('POST', '/es/eis', { outcome: null })
    }
    assert.equal((await cloudCluster(clusterId)).services.eis.enabled, false, 'EIS was turned off again in the Cloud')
    assert.equal((await esCcm()).enabled, false)
  })

  test('a failed rollback reports both errors; the next operation repairs the state', async () => {
    await sim.control('POST', '/es/eis', { outcome: { type: 'status', status: 401 } })
    await sim.fault({ route: 'cloud.patch_cluster', nth: 2, kind: { type: 'status', status: 500, body: '' } })
    let reply
    try {
      reply = await api('PUT', '/cluster_details', { body: { services: { eis: { enabled: true } } } })
    } finally {
      await sim.clearFaults()
      await sim.control('POST', '/es/eis', { outcome: null })
    }
    assertError(reply, 500, 'Failed to update Cloud Connect inference settings and rollback also failed', 'rollback_failed')
    assert.match(reply.body.attributes.inferenceError, /Elasticsearch/)
    assert.equal(typeof reply.body.attributes.rollbackError, 'string')
    assert.equal((await cloudCluster(clusterId)).services.eis.enabled, true, 'the Cloud was left with EIS on')
    const next = await api('PUT', '/cluster_details', { body: { services: { auto_ops: { enabled: true } } } })
    assert.equal(next.status, 200, JSON.stringify(next.body))
    assert.equal((await cloudCluster(clusterId)).services.eis.enabled, false, 'the interrupted update was rolled back')
  })
})

describe('key rotation', () => {
  test('POST /cluster/rotate_api_key rotates the stored cluster key', async () => {
    const keysBefore = JSON.stringify(await sim.control('GET', `/cloud/clusters/${clusterId}/keys`))
    const reply = await api('POST', '/cluster/rotate_api_key')
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    assert.deepEqual(reply.body, { success: true, message: 'API key rotated successfully' })
    assert.notEqual(JSON.stringify(await sim.control('GET', `/cloud/clusters/${clusterId}/keys`)), keysBefore)
    assert.equal((await api('GET', '/cluster_details')).status, 200, 'the new key works')
  })

  test('a Cloud 403 on rotation is relayed as 403', async () => {
    const body = JSON.stringify({ errors: [{ code: 'clusters.rotate.forbidden', message: 'request is not authorized' }] })
    await sim.fault({ route: 'cloud.rotate_cluster_api_key', nth: 1, kind: { type: 'status', status: 403, body } })
    const reply = await api('POST', '/cluster/rotate_api_key')
    await sim.clearFaults()
    assertError(reply, 403, /request is not authorized/, 'forbidden')
  })

  test('POST /cluster/eis/rotate_api_key installs the new EIS key', async () => {
    assert.equal((await api('PUT', '/cluster_details', { body: { services: { eis: { enabled: true } } } })).status, 200)
    const before = (await esCcm()).key
    const reply = await api('POST', '/cluster/eis/rotate_api_key')
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    assert.deepEqual(reply.body, { success: true, message: 'Service API key rotated successfully' })
    const afterRotation = await esCcm()
    assert.equal(afterRotation.enabled, true)
    assert.notEqual(afterRotation.key, before)
  })

  test('an Elasticsearch failure on the EIS rotation is 500 with the route message; the next call repairs it', async () => {
    const body = JSON.stringify({ error: { type: 'exception', reason: 'boom' }, status: 500 })
    await sim.fault({ route: 'es.ccm_put', kind: { type: 'status', status: 500, body } })
    const reply = await api('POST', '/cluster/eis/rotate_api_key')
    await sim.clearFaults()
    // The new key could not be installed, and neither could the retry of the recovery.
    assertError(reply, 500, 'An error occurred while rotating the service API key', 'rollback_failed')
    const again = await api('POST', '/cluster/eis/rotate_api_key')
    assert.equal(again.status, 200, JSON.stringify(again.body))
    assert.equal((await esCcm()).enabled, true)
  })

  test('only eis has a service key', async () => {
    assertError(await api('POST', '/cluster/auto_ops/rotate_api_key'), 400, '[request params.service_key]: expected value to equal [eis]')
  })
})

describe('DELETE /cluster', () => {
  test('a Cloud failure keeps the connection', async () => {
    await sim.fault({ route: 'cloud.delete_cluster', kind: { type: 'status', status: 500, body: '' } })
    const reply = await api('DELETE', '/cluster')
    await sim.clearFaults()
    assertError(reply, 502, 'An error occurred while disconnecting the cluster', 'cloud_unavailable')
    assert.equal((await api('GET', '/cluster_details')).status, 200, 'still connected')
  })

  test('disconnects: the Cloud registration, the EIS key and the record are gone', async () => {
    const reply = await api('DELETE', '/cluster')
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    assert.deepEqual(reply.body, { success: true, message: 'Cluster disconnected successfully' })
    assert.equal((await esCcm()).enabled, false)
    assertError(await api('GET', '/cluster_details'), 503, NOT_CONNECTED, 'not_connected')
    assertError(await api('DELETE', '/cluster'), 503, NOT_CONNECTED, 'not_connected')
  })

  test('a registration the Cloud already forgot still disconnects', async () => {
    const connected = await api('POST', '/authenticate', { body: { apiKey: sim.org_api_key } })
    assert.equal(connected.status, 200)
    const body = JSON.stringify({ errors: [{ code: 'clusters.delete_cluster.not_found', message: 'cluster not found' }] })
    await sim.fault({ route: 'cloud.delete_cluster', nth: 1, kind: { type: 'status', status: 404, body } })
    const reply = await api('DELETE', '/cluster')
    await sim.clearFaults()
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    assertError(await api('GET', '/cluster_details'), 503, NOT_CONNECTED, 'not_connected')
  })
})

describe('secrets', () => {
  test('no key appears in the host log or in any reply', async () => {
    const secrets = [canary, ...(await sim.allKeys())]
    assert.ok(secrets.length > 5, 'keys were issued during the suite')
    assert.ok(host.logs.length > 10, 'the host logged')
    assert.ok(host.logs.some((l) => l.includes('cloud_connect::')), "the library's events reached the host log")
    assertNoSecrets(host.logs, secrets, 'a host log line')
    assertNoSecrets(host.responses, secrets, 'a reply')
  })

  test('the host exits promptly on SIGTERM', async () => {
    const started = performance.now()
    host.stop()
    const { code } = await host.exited
    assert.equal(code, 0)
    assert.ok(performance.now() - started < 1000)
  })
})
