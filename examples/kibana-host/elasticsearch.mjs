// The local Elasticsearch, through the official client, as the binding's JS adapters: the
// inference configurator (raw `transport.request` on `_inference/_ccm`, which has no typed client
// method) and the local cluster (`GET /`, `GET /_license`). Kibana passes the same functions over
// `esClient.asCurrentUser`. Errors are rethrown as the client raised them: the binding classifies
// them by HTTP status and Elasticsearch `error.type`, and never reads their request data.

import { Client } from '@elastic/elasticsearch'

/** An Elasticsearch client for `url`, sending `authorization` (a full header value) if given. */
export function elasticsearchClient({ url, authorization, requestTimeoutMs }) {
  return new Client({
    node: url,
    headers: authorization ? { authorization } : {},
    requestTimeout: requestTimeoutMs,
    // The library decides what is retried (and `PUT _inference/_ccm` validates against EIS).
    maxRetries: 0,
  })
}

// Before 9.3, `_ccm` is read as an inference endpoint id: 404 resource_not_found_exception (or a
// generic "no handler" error). That means "this cluster has no CCM", not a failure.
function isCcmMissing(err) {
  const status = err?.meta?.statusCode
  const type = err?.meta?.body?.error?.type
  return (
    [400, 404, 405].includes(status) &&
    (type === undefined || type === 'resource_not_found_exception' || type === 'illegal_argument_exception')
  )
}

/** The binding's `inference` and `localCluster` adapters over `client`. */
export function elasticsearchAdapters(client) {
  const ccm = (method, body) => client.transport.request({ method, path: '/_inference/_ccm', body })
  return {
    inference: {
      putCcm: (apiKey) => ccm('PUT', { api_key: apiKey }),
      async deleteCcm() {
        try {
          await ccm('DELETE')
          return 'disabled'
        } catch (err) {
          if (isCcmMissing(err)) return 'unsupported'
          throw err
        }
      },
      async getCcm() {
        try {
          const body = await ccm('GET')
          return body?.enabled === true ? 'enabled' : 'disabled'
        } catch (err) {
          if (isCcmMissing(err)) return 'unsupported'
          throw err
        }
      },
    },
    localCluster: {
      clusterInfo: () => client.info(),
      license: () => client.license.get(),
    },
  }
}
