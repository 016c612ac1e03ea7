// Interop of the Rust Kibana codec (examples/kibana_codec.rs) with @elastic/node-crypto 1.2.3, the
// library Kibana's encrypted saved objects use, and with safe-stable-stringify, which Kibana's
// stableStringify wraps. Run through ./run.sh (it builds the example and sets KIBANA_CODEC_BIN).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const makeCrypto = require('@elastic/node-crypto').default;
const stableStringify = require('safe-stable-stringify');

const BIN = process.env.KIBANA_CODEC_BIN;
if (!BIN) {
  throw new Error('KIBANA_CODEC_BIN is not set: run this test through run.sh');
}

const KEY = 'interop-test-key-0123456789abcdefghij';
const OTHER = 'another-interop-key-0123456789abcdefgh';
const TYPE = 'cloud-connect-api-key';
const ID = '239feff0-7e11-4413-b800-f1f1621e9c69';
const CLUSTER = '0123456789abcdef0123456789abcdef';

function rust(op, request) {
  const r = spawnSync(BIN, [op], { input: JSON.stringify(request), encoding: 'utf8' });
  assert.equal(r.status, 0, `kibana_codec ${op} failed: ${r.stdout} ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// Kibana's AAD: stableStringify([namespace?, type, id, {registered, present, unencrypted attrs}]).
function kibanaAad(descriptor, attributes, include, encrypted) {
  const aadAttributes = {};
  for (const name of include) {
    if (!encrypted.includes(name) && Object.prototype.hasOwnProperty.call(attributes, name)) {
      aadAttributes[name] = attributes[name];
    }
  }
  const parts = [descriptor.type, descriptor.id, aadAttributes];
  if (descriptor.namespace) parts.unshift(descriptor.namespace);
  return stableStringify(parts);
}

const CC_AAD = kibanaAad({ type: TYPE, id: ID }, { clusterId: CLUSTER, apiKey: 'x' }, ['clusterId'], ['apiKey']);

const VALUES = [
  'essu_PROBE_NOT_A_REAL_KEY_0123456789',
  { apiKey: 'sk-test-123' },
  { nested: { b: [1, 2.5, true, null, -0, 1e21, 1e-7], a: 'é😀\u2028\u2029 /' }, z: {} },
  { 2: 'two', b: 'bee', 1: 'one', '01': 'zero-one' },
  'quote " backslash \\ controls \u0001\u001f\b\f\n\r\t del \u007f',
  12345678901234567890,
  0.1,
  true,
  null,
  [],
];

test('fingerprints are the ones Kibana logs (sha3-256, base64)', () => {
  const out = rust('fingerprint', { keys: [KEY, OTHER] });
  assert.deepEqual(out.fingerprints, [KEY, OTHER].map((k) => createHash('sha3-256').update(k).digest('base64')));
});

test('node-crypto decrypts what the Rust codec encrypts', async () => {
  const kibana = makeCrypto({ encryptionKey: KEY });
  const out = rust('encrypt', { keys: [KEY], items: VALUES.map((value) => ({ value, aad: CC_AAD })) });
  assert.equal(out.items.length, VALUES.length);
  for (const [i, value] of VALUES.entries()) {
    const ciphertext = out.items[i].ciphertext;
    const plaintext = JSON.stringify(value);
    assert.equal(Buffer.from(ciphertext, 'base64').length, 92 + Buffer.byteLength(plaintext));
    assert.deepEqual(await kibana.decrypt(ciphertext, CC_AAD), JSON.parse(plaintext));
    assert.deepEqual(kibana.decryptSync(ciphertext, CC_AAD), JSON.parse(plaintext));
    // Bound to its AAD and key, as Kibana expects.
    assert.throws(() => kibana.decryptSync(ciphertext, CC_AAD.replace(CLUSTER, 'f'.repeat(32))), /unable to authenticate/);
    assert.throws(() => makeCrypto({ encryptionKey: OTHER }).decryptSync(ciphertext, CC_AAD), /unable to authenticate/);
  }
});

test('the Rust codec decrypts what node-crypto encrypts, to the same JSON text', async () => {
  const kibana = makeCrypto({ encryptionKey: KEY });
  const items = [];
  for (const value of VALUES) {
    items.push({ ciphertext: await kibana.encrypt(value, CC_AAD), aad: CC_AAD });
  }
  const out = rust('decrypt', { keys: [KEY], items });
  for (const [i, value] of VALUES.entries()) {
    const item = out.items[i];
    assert.equal(item.error, undefined, JSON.stringify(item.error));
    assert.equal(item.plaintextJson, JSON.stringify(value));
    assert.deepEqual(item.value, JSON.parse(JSON.stringify(value)));
    assert.equal(item.keyIndex, 0);
  }
});

test('key rotation: a decryption-only key opens, a missing key is a decryption_failed naming fingerprints', async () => {
  const ciphertext = makeCrypto({ encryptionKey: KEY }).encryptSync('essu_rotate_me', CC_AAD);
  const rotated = rust('decrypt', { keys: [OTHER, KEY], items: [{ ciphertext, aad: CC_AAD }] });
  assert.equal(rotated.items[0].value, 'essu_rotate_me');
  assert.equal(rotated.items[0].keyIndex, 1);
  const missing = rust('decrypt', { keys: [OTHER], items: [{ ciphertext, aad: CC_AAD }, { ciphertext, aad: null }] });
  const fp = createHash('sha3-256').update(OTHER).digest('base64');
  for (const item of missing.items) {
    assert.equal(item.error.code, 'decryption_failed');
    assert.ok(item.error.message.includes(fp), item.error.message);
    assert.ok(!item.error.message.includes(OTHER));
  }
  // Without the AAD the right key does not open it either.
  const noAad = rust('decrypt', { keys: [KEY], items: [{ ciphertext, aad: null }] });
  assert.equal(noAad.items[0].error.code, 'decryption_failed');
});

test('the Rust AAD builder matches Kibana\'s stable stringify', () => {
  const cases = [
    { descriptor: { type: TYPE, id: ID }, attributes: { apiKey: 'x', clusterId: CLUSTER, createdAt: 'now' }, include: ['clusterId'], encrypt: ['apiKey'] },
    { descriptor: { type: 'probe', id: 'abc', namespace: 'marketing' }, attributes: { zeta: 1, alpha: { b: 2, a: [3, 'x'] }, token: 't' }, include: ['zeta', 'alpha'], encrypt: ['token'] },
    {
      descriptor: { type: 'action', id: 'id-1' },
      attributes: {
        config: { '\uff61': 1, '\u{1f600}': 2, B: 3, a: 4, 10: 5, 9: 6, 'é': 7 },
        numbers: [1.0, -0, 1e21, 1e-7, 0.000001, 123456789012345678901234, 5e-324, 2 ** 53 + 1],
        text: 'q"\\\u0000\u001f\u2028 😀',
        missingSecret: 'no',
        'dotted.name': true,
        flag: false,
      },
      include: ['config', 'numbers', 'text', 'dotted.name', 'flag', 'absent', 'missingSecret'],
      encrypt: ['missingSecret'],
    },
    { descriptor: { type: 't', id: 'i' }, attributes: { a: 1 }, include: [], encrypt: [] },
  ];
  const out = rust('aad', {
    items: cases.map((c) => ({
      descriptor: c.descriptor,
      attributes: c.attributes,
      attributesToIncludeInAAD: c.include,
      attributesToEncrypt: c.encrypt,
    })),
  });
  for (const [i, c] of cases.entries()) {
    assert.equal(out.items[i].aad, kibanaAad(c.descriptor, c.attributes, c.include, c.encrypt), `case ${i}`);
  }
});
