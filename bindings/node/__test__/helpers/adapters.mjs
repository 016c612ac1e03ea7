// JS adapters for the binding's seams, as a host would write them: an in-memory credential store
// with compare-and-swap, and the Elasticsearch adapters over fetch (raising errors shaped like
// the official client's: `meta.statusCode`, `meta.body`). They are classes using `this`, so the
// tests also prove the binding calls them as methods.

/** An in-memory store: the record as JSON, a counter version, injectable failures. */
export class MemoryStore {
  constructor() {
    this.record = null
    this.version = 0
    this.saves = []
    this.nextFailure = null
  }

  async load() {
    return { record: this.record === null ? null : JSON.parse(this.record), version: String(this.version) }
  }

  async save(record, expectedVersion) {
    this.#maybeFail()
    if (expectedVersion !== String(this.version)) {
      throw Object.assign(new Error('version conflict'), { code: 'conflict' })
    }
    this.saves.push(record)
    this.record = JSON.stringify(record)
    this.version += 1
    return String(this.version)
  }

  async delete(expectedVersion) {
    this.#maybeFail()
    if (expectedVersion !== String(this.version)) {
      throw Object.assign(new Error('version conflict'), { code: 'conflict' })
    }
    this.record = null
    this.version += 1
    return String(this.version)
  }

  #maybeFail() {
    const failure = this.nextFailure
    this.nextFailure = null
    if (failure) throw failure
  }
}

class ResponseError extends Error {
  constructor(statusCode, body) {
    super(typeof body?.error?.type === 'string' ? `${body.error.type}: ${body.error.reason}` : `status ${statusCode}`)
    this.name = 'ResponseError'
    this.meta = { statusCode, body }
  }
}

/** `_inference/_ccm` and `GET /`, `GET /_license` over fetch, with overridable answers. */
export class FetchElasticsearch {
  constructor(url, authorization) {
    this.url = url
    this.authorization = authorization
    this.calls = []
    this.override = {}
  }

  async #request(method, path, body) {
    this.calls.push(`${method} ${path}`)
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: this.authorization, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
    const json = await res.json().catch(() => undefined)
    if (!res.ok) throw new ResponseError(res.status, json)
    return json
  }

  async putCcm(apiKey) {
    if (this.override.putCcm) return this.override.putCcm(apiKey)
    return this.#request('PUT', '/_inference/_ccm', { api_key: apiKey })
  }

  async deleteCcm() {
    await this.#request('DELETE', '/_inference/_ccm')
    return 'disabled'
  }

  async getCcm() {
    if (this.override.getCcm) return this.override.getCcm()
    const body = await this.#request('GET', '/_inference/_ccm')
    return body.enabled ? 'enabled' : 'disabled'
  }

  async clusterInfo() {
    const body = await this.#request('GET', '/')
    return this.override.clusterInfo ? this.override.clusterInfo(body) : body
  }

  async license() {
    return this.#request('GET', '/_license')
  }
}

export { ResponseError }
