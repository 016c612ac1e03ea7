// Kibana's seven Cloud Connect routes (spec/kibana-plugin.md §9), served through the binding.
//
// Each route states its privilege, its request validation (Kibana's config-schema messages) and
// how a library error becomes a reply. Statuses come from the library (`err.statusCode`: 503 when
// not connected, never an upstream 401); a 5xx carries the route's fixed message (details go to
// the log), a 4xx the library's message. Every error reply has the library's stable code in
// `attributes.code`.

const BASE = '/internal/cloud_connect'

const NOT_CONNECTED = 'Failed to retrieve API key from saved object'
const INVALID_STATE = 'The API is still completing an operation, please try again later'
const TERMS_NOT_ACCEPTED =
  'Terms and Conditions not accepted or no cloud organization found. Please complete the setup in Elastic Cloud.'
const ES_CODES = new Set(['elasticsearch_rejected', 'eis_key_rejected', 'ccm_unsupported'])
const SERVICES = new Set(['auto_ops', 'eis'])

/** A reply: status and JSON body. */
const ok = (body) => ({ status: 200, body })

/** A 400 from request validation, worded like Kibana's config-schema. */
class ValidationError extends Error {}

function typeName(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'Array'
  return typeof value
}

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function expectObject(value, path, what = 'object') {
  if (!isPlainObject(value)) {
    if (path === 'request body') {
      throw new ValidationError(`[${path}]: expected a plain object value, but found [${typeName(value)}] instead.`)
    }
    throw new ValidationError(`[${path}]: expected value of type [${what}] but got [${typeName(value)}]`)
  }
}

function rejectUnknownKeys(value, path, known) {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new ValidationError(`[${path}.${key}]: definition for this key is missing`)
  }
}

/** `POST /authenticate` body: `{apiKey: string, minLength 1}`. */
function validateAuthenticate(body) {
  expectObject(body, 'request body')
  rejectUnknownKeys(body, 'request body', ['apiKey'])
  if (typeof body.apiKey !== 'string') {
    throw new ValidationError(`[request body.apiKey]: expected value of type [string] but got [${typeName(body.apiKey)}]`)
  }
  if (body.apiKey.length < 1) {
    throw new ValidationError(
      `[request body.apiKey]: value has length [${body.apiKey.length}] but it must have a minimum length of [1].`,
    )
  }
  return body
}

/** `PUT /cluster_details` body: `{services: {<string>: {enabled: boolean}}}`. */
function validateServices(body) {
  expectObject(body, 'request body')
  rejectUnknownKeys(body, 'request body', ['services'])
  expectObject(body.services, 'request body.services')
  for (const [name, service] of Object.entries(body.services)) {
    const path = `request body.services.${name}`
    expectObject(service, path)
    rejectUnknownKeys(service, path, ['enabled'])
    if (typeof service.enabled !== 'boolean') {
      throw new ValidationError(`[${path}.enabled]: expected value of type [boolean] but got [${typeName(service.enabled)}]`)
    }
  }
  return body
}

/** The error attributes every library error reply carries. */
function attributesOf(err) {
  const attributes = { code: err.code, retryable: err.retryable }
  if (err.cloudCode !== undefined) attributes.cloudCode = err.cloudCode
  return attributes
}

/**
 * The reply for a library error on a route whose generic failure text is `failure`.
 * `special(err)` may return a reply for cases the route words itself.
 */
function errorReply(err, failure, log, special = () => undefined) {
  if (err?.name !== 'CloudConnectError') {
    log.error(`${failure}: unexpected error`, { error: String(err?.message ?? err) })
    return { status: 500, message: failure, attributes: { code: 'internal', retryable: false } }
  }
  if (err.code === 'not_connected') {
    log.warn('No API key found in saved object', { code: err.code })
    return { status: 503, message: NOT_CONNECTED, attributes: attributesOf(err) }
  }
  log[err.statusCode >= 500 ? 'error' : 'warn'](failure, { code: err.code, reason: err.message })
  const custom = special(err)
  if (custom) return { status: err.statusCode, attributes: attributesOf(err), ...custom }
  if (err.cloudCode?.endsWith('.invalid_state')) {
    return { status: err.statusCode, message: INVALID_STATE, attributes: attributesOf(err) }
  }
  return {
    status: err.statusCode,
    message: err.statusCode >= 500 ? failure : err.message,
    attributes: attributesOf(err),
  }
}

/**
 * The seven routes. `client()` returns the CloudConnect instance (it throws the construction
 * error when the library could not be set up, e.g. without an encryption key).
 */
export function cloudConnectRoutes({ client, es, hasEncryptedSOEnabled, log }) {
  return [
    {
      method: 'GET',
      path: `${BASE}/config`,
      privilege: 'read',
      async handler() {
        const reply = { hasEncryptedSOEnabled }
        try {
          const [license, info] = await Promise.all([es.license.get(), es.info()])
          reply.license = { type: license.license?.type, uid: license.license?.uid }
          reply.cluster = { id: info.cluster_uuid, name: info.cluster_name, version: info.version?.number }
        } catch (err) {
          log.error('Failed to fetch cluster and license information', { error: String(err?.name ?? 'Error') })
        }
        return ok(reply)
      },
    },
    {
      method: 'POST',
      path: `${BASE}/authenticate`,
      privilege: 'manage',
      validate: { body: validateAuthenticate },
      async handler({ body }) {
        const failure = 'An error occurred while authenticating with Cloud Connect'
        try {
          const r = await client().connect(body.apiKey)
          log.info(`Cluster onboarded successfully: ${r.clusterId} (org: ${r.organizationId})`)
          return ok({
            success: true,
            cluster_id: r.clusterId,
            organization_id: r.organizationId,
            message: 'Cluster authenticated and onboarded successfully',
          })
        } catch (err) {
          return errorReply(err, failure, log, (e) => {
            if (e.code === 'forbidden') return { message: TERMS_NOT_ACCEPTED }
            if (e.code === 'invalid_api_key') log.warn(`API key validation failed: ${e.message}`)
            return undefined
          })
        }
      },
    },
    {
      method: 'GET',
      path: `${BASE}/cluster_details`,
      privilege: 'read',
      async handler() {
        try {
          const { cluster, subscription } = await client().status()
          if (subscription === undefined || subscription === null) {
            log.warn(`Failed to fetch subscription for organization ${cluster.metadata?.organization_id}`)
            return ok(cluster)
          }
          return ok({ ...cluster, metadata: { ...cluster.metadata, subscription } })
        } catch (err) {
          return errorReply(err, 'Failed to retrieve cluster details', log)
        }
      },
    },
    {
      method: 'PUT',
      path: `${BASE}/cluster_details`,
      privilege: 'manage',
      validate: { body: validateServices },
      async handler({ body }) {
        const failure = 'An error occurred while updating cluster services'
        const unknown = Object.keys(body.services).filter((name) => !SERVICES.has(name))
        if (unknown.length > 0) {
          return {
            status: 400,
            message: `unknown service ${JSON.stringify(unknown[0])}: expected "auto_ops" or "eis"`,
            attributes: { code: 'invalid_input', retryable: false },
          }
        }
        const changes = {}
        for (const [name, { enabled }] of Object.entries(body.services)) changes[name] = enabled
        try {
          await client().updateServices(changes)
          return ok({ success: true })
        } catch (err) {
          return errorReply(err, failure, log, (e) => {
            if (e.code === 'rollback_failed') {
              return {
                message: 'Failed to update Cloud Connect inference settings and rollback also failed',
                attributes: {
                  ...attributesOf(e),
                  inferenceError: e.operationError,
                  rollbackError: e.rollbackError,
                },
              }
            }
            // The Elasticsearch step failed and was rolled back: its message says why.
            if (ES_CODES.has(e.code)) return { message: e.message }
            return undefined
          })
        }
      },
    },
    {
      method: 'DELETE',
      path: `${BASE}/cluster`,
      privilege: 'manage',
      async handler() {
        try {
          await client().disconnect()
          log.info('Cluster disconnected successfully - API key removed')
          return ok({ success: true, message: 'Cluster disconnected successfully' })
        } catch (err) {
          return errorReply(err, 'An error occurred while disconnecting the cluster', log)
        }
      },
    },
    {
      method: 'POST',
      path: `${BASE}/cluster/rotate_api_key`,
      privilege: 'manage',
      async handler() {
        try {
          await client().rotateClusterKey()
          log.info('Cluster API key rotated successfully')
          return ok({ success: true, message: 'API key rotated successfully' })
        } catch (err) {
          return errorReply(err, 'An error occurred while rotating the API key', log)
        }
      },
    },
    {
      method: 'POST',
      path: `${BASE}/cluster/{service_key}/rotate_api_key`,
      pattern: new RegExp(`^${BASE}/cluster/([^/]+)/rotate_api_key$`),
      privilege: 'manage',
      validate: {
        params([serviceKey]) {
          if (serviceKey !== 'eis') {
            throw new ValidationError('[request params.service_key]: expected value to equal [eis]')
          }
          return { service_key: serviceKey }
        },
      },
      async handler({ params }) {
        try {
          await client().rotateServiceKey(params.service_key)
          log.info(`Service API key rotated successfully for: ${params.service_key}`)
          return ok({ success: true, message: 'Service API key rotated successfully' })
        } catch (err) {
          return errorReply(err, 'An error occurred while rotating the service API key', log)
        }
      },
    },
  ]
}

export { ValidationError }
