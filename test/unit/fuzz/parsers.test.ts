import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvelope, signEnvelope, verifyEnvelope } from '../../../src/dsse/index.js';
import { generateKey, keySigner, keyVerifier, loadPrivateKey, loadPublicKey } from '../../../src/crypto/index.js';
import { interpretPayload, readSignedDocument, signMetablock, toSignedDocument, verifyDocument, readBundle } from '../../../src/intoto/index.js';
import { canonicalJson, decodeBase64, parseJson } from '../../../src/encoding/index.js';
import { onlyCairnErrors } from '../../helpers/fuzz.js';
import { UPSTREAM } from '../../helpers/paths.js';

// Issue 9: every parser at a trust boundary gives a result or a coded CairnError for any input,
// never another exception; and a signed byte changed anywhere never verifies.

const RUNS = 300;
const jsonish = fc.oneof(
  fc.json(),
  fc.string(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.record({ payload: fc.string(), payloadType: fc.string(), signatures: fc.array(fc.record({ keyid: fc.string(), sig: fc.string() })) }).map((v) => JSON.stringify(v)),
  fc.record({ signed: fc.dictionary(fc.string(), fc.jsonValue()), signatures: fc.array(fc.record({ keyid: fc.string(), sig: fc.string({ unit: fc.constantFrom(...'0123456789abcdef') }) })) }).map((v) => JSON.stringify(v)),
);
const upstreamFiles = [
  'debian-in-toto-1.3.1/cases/ed25519-pass/root.layout',
  'debian-in-toto-1.3.1/cases/ed25519-pass/package.ed845f20.link',
  'in-toto-golang/test/data/demo.dsse.layout',
  'in-toto-python/tests/demo_dsse_files/write-code.776a00e2.link',
].map((f) => readFileSync(join(UPSTREAM, f), 'utf8'));

// Mutations of real documents: flip, drop or insert characters.
const mutatedDocument = fc.tuple(fc.constantFrom(...upstreamFiles), fc.nat(), fc.nat(), fc.string({ maxLength: 3 })).map(([doc, at, del, ins]) => {
  const i = at % doc.length;
  return doc.slice(0, i) + ins + doc.slice(i + (del % 4));
});

describe('fuzz: parsers at trust boundaries', () => {
  it('JSON, canonical JSON and base64 decoding', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      onlyCairnErrors(() => parseJson(s, 'x'));
      onlyCairnErrors(() => decodeBase64(s, 'x'));
    }), { numRuns: RUNS });
    fc.assert(fc.property(fc.jsonValue(), (v) => onlyCairnErrors(() => canonicalJson(v))), { numRuns: RUNS });
  });

  it('DSSE envelopes, Metablocks, links, layouts and Statements', () => {
    const key = generateKey('ed25519');
    fc.assert(fc.property(fc.oneof(jsonish, mutatedDocument), (text) => {
      onlyCairnErrors(() => parseEnvelope(text, 'env'));
      onlyCairnErrors(() => {
        const doc = readSignedDocument(text, 'doc');
        const v = verifyDocument(doc, [keyVerifier(key.publicKey)], 'doc');
        interpretPayload(v.body, 'doc');
      });
      onlyCairnErrors(() => readBundle(text));
    }), { numRuns: RUNS });
  });

  it('interpretPayload on arbitrary objects', () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom('_type', 'name', 'subject', 'predicateType', 'predicate', 'materials', 'products', 'steps', 'keys', 'expires', 'x'), fc.jsonValue()), fc.constantFrom('link', 'layout', 'https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1', 'other'), (obj, type) => {
      onlyCairnErrors(() => interpretPayload({ ...obj, _type: type }, 'p'));
    }), { numRuns: RUNS });
  });

  it('key files', () => {
    const pems = ['ed25519_public.pem', 'rsa_public.pem', 'ecdsa_private_unencrypted.pem'].map((f) => readFileSync(join(UPSTREAM, 'in-toto-python/tests/pems', f), 'utf8'));
    const jsonKey = readFileSync(join(UPSTREAM, 'debian-in-toto-1.3.1/keys/ed25519/alice'), 'utf8');
    const mutatedKey = fc.tuple(fc.constantFrom(...pems, jsonKey), fc.nat(), fc.string({ maxLength: 2 })).map(([k, at, ins]) => k.slice(0, at % k.length) + ins + k.slice((at % k.length) + 1));
    fc.assert(fc.property(fc.oneof(fc.string(), jsonish, mutatedKey), (text) => {
      onlyCairnErrors(() => loadPublicKey(text, 'k'));
      onlyCairnErrors(() => loadPrivateKey(text, { where: 'k' }));
    }), { numRuns: RUNS });
  });
});

describe('fuzz: changed signed bytes never verify', () => {
  it('DSSE: any change to payload, payloadType or signature', async () => {
    const key = generateKey('ed25519');
    const v = [keyVerifier(key.publicKey)];
    const env = await signEnvelope('application/vnd.in-toto+json', Buffer.from('{"_type":"link","name":"x"}'), [keySigner(key)]);
    const payload = Buffer.from(env.payload, 'base64');
    fc.assert(fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.constantFrom('payload', 'type', 'sig'), (at, xor, what) => {
      let changed = env;
      if (what === 'payload') {
        const p = Buffer.from(payload);
        p[at % p.length]! ^= xor;
        changed = { ...env, payload: p.toString('base64') };
      } else if (what === 'type') {
        const t = Buffer.from(env.payloadType);
        t[at % t.length]! ^= xor;
        changed = { ...env, payloadType: t.toString('latin1') };
      } else {
        const s = Buffer.from(env.signatures[0]!.sig, 'base64');
        s[at % s.length]! ^= xor;
        changed = { ...env, signatures: [{ ...env.signatures[0]!, sig: s.toString('base64') }] };
      }
      assert.throws(() => verifyEnvelope(changed, v), (e: Error & { code?: string }) => e.code === 'SIGNATURE_INVALID');
    }), { numRuns: RUNS });
  });

  it('Metablock: any change inside the signed object', () => {
    const key = generateKey('ed25519');
    const signed = { _type: 'link', name: 'build', materials: { 'a.c': { sha256: 'ab'.repeat(32) } }, products: {}, byproducts: { stdout: 'ok\n', 'return-value': 0 }, command: ['make'], environment: {} };
    const mb = signMetablock(signed, [key]);
    const text = JSON.stringify(mb);
    fc.assert(fc.property(fc.nat(), fc.string({ minLength: 1, maxLength: 2 }), (at, ins) => {
      const start = text.indexOf('"signed"') + 10;
      const end = text.indexOf(',"signatures"');
      const i = start + (at % (end - start));
      const mutated = text.slice(0, i) + ins + text.slice(i + 1);
      if (mutated === text) return;
      let doc;
      try {
        doc = toSignedDocument(JSON.parse(mutated));
      } catch {
        return; // no longer a document at all: rejected before any signature check
      }
      const signers = verifyDocument(doc, [keyVerifier(key.publicKey)]).signers;
      const sameContent = doc.format === 'legacy' && canonicalJson(doc.metablock.signed) === canonicalJson(signed);
      assert.equal(signers.length > 0, sameContent, `mutation at ${i} verified: ${mutated.slice(Math.max(0, i - 20), i + 20)}`);
    }), { numRuns: RUNS });
  });
});
