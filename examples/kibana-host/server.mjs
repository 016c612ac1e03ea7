// A small Node host (node:http, no framework) that serves Kibana's seven Cloud Connect routes
// under /internal/cloud_connect/ through the cloud-connect Node binding, with Kibana's request
// rules: `kbn-xsrf` on non-GET requests, the route privileges (here from the header
// `x-cloud-connect-privileges: none | read | manage`, missing = manage), request validation, and
// Kibana's error envelope `{statusCode, error, message, attributes?}`.
//
// Environment: PORT (0 = any free port), CLOUD_URL, ES_URL, ES_AUTHORIZATION (a full
// `Authorization` header value), ENCRYPTION_KEY (≥ 32 characters), STORE_PATH (the encrypted
// record file). Prints one JSON line `{"url":"http://127.0.0.1:<port>"}` once listening; logs
// JSON lines to stderr.

import { realpathSync } from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

import { elasticsearchAdapters, elasticsearchClient } from './elasticsearch.mjs'
import { ValidationError, cloudConnectRoutes } from './routes.mjs'

const require = createRequire(import.meta.url)
const { CloudConnect } = require('../../bindings/node/index.js')

const MAX_BODY_BYTES = 1024 * 1024
const PRIVILEGES = { none: 0, read: 1, manage: 2 }

/** JSON-lines logger on stderr; the library's events arrive through the same methods. */
function stderrLogger() {
  const write = (level) => (message, meta = {}) => {
    process.stderr.write(`${JSON.stringify({ level, message, ...meta })}\n`)
  }
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}

function send(res, status, body) {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** Kibana's error envelope. */
function sendError(res, status, message, attributes) {
  const body = { statusCode: status, error: http.STATUS_CODES[status] ?? 'Error', message }
  if (attributes !== undefined) body.attributes = attributes
  send(res, status, body)
}

async function readBody(req) {
  const chunks = []
  let size = 0
  for await (const chunk of req) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error('Payload content length greater than maximum allowed'), { status: 413 })
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') return null
  try {
    return JSON.parse(text)
  } catch {
    throw Object.assign(new Error('Invalid request payload JSON format'), { status: 400 })
  }
}

function matchRoute(routes, method, pathname) {
  for (const route of routes) {
    if (route.method !== method) continue
    if (route.pattern) {
      const m = route.pattern.exec(pathname)
      if (m) {
        // A malformed percent-encoding is the caller's error, never a crash of the server.
        try {
          return { route, params: m.slice(1).map(decodeURIComponent) }
        } catch {
          return { route, badPath: true }
        }
      }
    } else if (route.path === pathname) {
      return { route, params: [] }
    }
  }
  return undefined
}

/** The request privilege from `x-cloud-connect-privileges` (missing = manage; unknown = none). */
function privilegeOf(req) {
  const header = req.headers['x-cloud-connect-privileges']
  if (header === undefined) return PRIVILEGES.manage
  return PRIVILEGES[String(header).trim().toLowerCase()] ?? PRIVILEGES.none
}

/** Builds the request handler over the routes. */
export function createHandler(routes, log) {
  return async function handle(req, res) {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost')
    const match = matchRoute(routes, req.method, pathname)
    if (!match) return sendError(res, 404, 'Not Found')
    if (match.badPath) return sendError(res, 400, 'Invalid URL path encoding')
    const { route, params } = match
    const api = `${req.method} ${route.path}`
    try {
      if (req.method !== 'GET' && req.headers['kbn-xsrf'] === undefined) {
        return sendError(res, 400, 'Request must contain a kbn-xsrf header.')
      }
      if (privilegeOf(req) < PRIVILEGES[route.privilege]) {
        const granted = route.privilege === 'manage' ? 'manage_cloudConnect' : 'read_cloudConnect'
        return sendError(res, 403, `API [${api}] is unauthorized for user, this action is granted by the Kibana privileges [${granted}]`)
      }
      const body = await readBody(req)
      const request = {
        body: route.validate?.body ? route.validate.body(body) : body,
        params: route.validate?.params ? route.validate.params(params) : {},
      }
      const reply = await route.handler(request)
      if (reply.status >= 400) return sendError(res, reply.status, reply.message, reply.attributes)
      return send(res, reply.status, reply.body)
    } catch (err) {
      if (err instanceof ValidationError) return sendError(res, 400, err.message)
      if (typeof err?.status === 'number') return sendError(res, err.status, err.message)
      log.error(`unhandled error in ${api}`, { error: String(err?.name ?? 'Error') })
      return sendError(res, 500, 'An internal server error occurred.')
    }
  }
}

/** Starts the host from `env`; resolves to `{server, url}`. */
export async function startHost(env = process.env) {
  const log = stderrLogger()
  const encryptionKey = env.ENCRYPTION_KEY || undefined
  const es = elasticsearchClient({ url: env.ES_URL, authorization: env.ES_AUTHORIZATION || undefined })
  let cloudConnect
  let setupError
  try {
    cloudConnect = new CloudConnect({
      cloudUrl: env.CLOUD_URL || undefined,
      encryptionKey,
      store: { kind: 'file', path: env.STORE_PATH ?? 'cloud-connect.record' },
      ...elasticsearchAdapters(es),
      logger: log,
    })
  } catch (err) {
    // Served routes report it (e.g. `encryption_key_missing`, or a short key's `invalid_input`)
    // as the server's own misconfiguration: 500, never a 4xx blaming the request. GET /config
    // still works.
    setupError = Object.assign(err, { statusCode: 500 })
    log.error('Cloud Connect could not be set up', { code: err?.code, reason: err?.message })
  }
  const client = () => {
    if (setupError) throw setupError
    return cloudConnect
  }
  const routes = cloudConnectRoutes({
    client,
    es,
    hasEncryptedSOEnabled: typeof encryptionKey === 'string' && encryptionKey.length >= 32,
    log,
  })
  const server = http.createServer(createHandler(routes, log))
  server.on('close', () => es.close().catch(() => {}))
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(Number(env.PORT ?? 0), '127.0.0.1', resolve)
  })
  return { server, url: `http://127.0.0.1:${server.address().port}` }
}

const isMain = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  const { server, url } = await startHost()
  process.stdout.write(`${JSON.stringify({ url })}\n`)
  const stop = () => {
    server.close(() => process.exit(0))
    server.closeAllConnections()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
