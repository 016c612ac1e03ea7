// A recording logger and the secret-leak check: no key the simulators ever issued (nor the canary
// key the tests paste) may appear in a log line or an error message.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'

/** A unique canary API key (the shape of a Cloud key). */
export function canaryKey() {
  return `essu_CANARY${randomBytes(12).toString('hex')}`
}

/** A logger that records every line it receives, as text. */
export function recordingLogger() {
  const lines = []
  const record = (level) => (message, meta) => {
    lines.push({ level, message, meta, text: `${level} ${message} ${JSON.stringify(meta)}` })
  }
  return { lines, logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') } }
}

/** Collects the text of every error a test saw. */
export function errorJournal() {
  const texts = []
  return {
    texts,
    /** Records `err` (message, stack and every own property) and returns it. */
    note(err) {
      texts.push(`${err?.message}\n${err?.stack}\n${JSON.stringify(err)}`)
      return err
    },
  }
}

/** Fails when any of `secrets` occurs in any of `texts`. */
export function assertNoSecrets(texts, secrets, what) {
  assert.ok(secrets.length > 0, 'the leak check needs at least one secret')
  for (const text of texts) {
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), `${what} contains a secret (${secret.slice(0, 9)}…): ${text.slice(0, 200)}`)
    }
  }
}
