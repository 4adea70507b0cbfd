import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { keyVerifier, loadPrivateKey, loadPublicKey, publicKeyFromDict, type PublicKey } from '../../../src/crypto/index.js';
import { readSignedDocument, verifyDocument, interpretPayload } from '../../../src/intoto/index.js';
import { pae } from '../../../src/dsse/index.js';
import { decodeBase64 } from '../../../src/encoding/index.js';
import { sha256Hex } from '../../../src/digest/index.js';
import { UPSTREAM } from '../../helpers/paths.js';
import { assertCairnErrorSync } from '../../helpers/assert.js';

const values = JSON.parse(readFileSync(join(UPSTREAM, 'computed-values.json'), 'utf8'));

// Every key the upstream data knows: key files and the keys embedded in layouts.
function keyring(): PublicKey[] {
  const keys: PublicKey[] = [];
  for (const k of values.keys) {
    const p = join(UPSTREAM, k.path);
    if (!existsSync(p) || /erin|heidi|encrypted/.test(k.path) || !/^(ed25519|ecdsa|rsa)$/.test(k.keytype)) continue;
    const text = readFileSync(p, 'utf8');
    keys.push(k.kind === 'private' ? loadPrivateKey(text).publicKey : loadPublicKey(text));
  }
  for (const m of values.metadata) {
    if (m.type !== 'layout') continue;
    const doc = readSignedDocument(readFileSync(join(UPSTREAM, m.paths[0]), 'utf8'));
    const body = verifyDocument(doc, []).body as { keys?: Record<string, never> };
    for (const dict of Object.values(body.keys ?? {})) keys.push(publicKeyFromDict(dict));
  }
  return keys;
}

describe('upstream signatures', () => {
  const ring = keyring();

  it('every signature in the upstream data verifies exactly when computed-values says it does', () => {
    let n = 0;
    for (const m of values.metadata) {
      for (const p of m.paths) {
        const doc = readSignedDocument(readFileSync(join(UPSTREAM, p), 'utf8'), p);
        for (const s of m.signatures) {
          const candidates = ring.filter((k) => k.keyIds.has(s.keyid));
          assert.ok(candidates.length > 0, `${p}: no key for ${s.keyid}`);
          const signers = verifyDocument(doc, candidates.map(keyVerifier), p).signers;
          assert.equal(signers.length > 0, s.valid, `${p}: signature by ${s.keyid.slice(0, 8)}`);
          n++;
        }
      }
    }
    assert.ok(n >= 45, `checked ${n} signatures`);
  });

  it('reproduces the PAE bytes of the upstream DSSE files', () => {
    for (const m of values.metadata) {
      if (m.format !== 'dsse') continue;
      const doc = readSignedDocument(readFileSync(join(UPSTREAM, m.paths[0]), 'utf8'));
      assert.equal(doc.format, 'dsse');
      if (doc.format !== 'dsse') continue;
      const bytes = pae(doc.envelope.payloadType, decodeBase64(doc.envelope.payload));
      assert.equal(sha256Hex(bytes), m.paeSha256, m.paths[0]);
    }
  });

  it('interprets every upstream document as a link or a layout', () => {
    for (const m of values.metadata) {
      const doc = readSignedDocument(readFileSync(join(UPSTREAM, m.paths[0]), 'utf8'));
      const body = verifyDocument(doc, []).body;
      if (m.paths[0].endsWith('demo.layout.template')) {
        // upstream's unsigned templates have no `expires`: a layout without one is refused
        assertCairnErrorSync(() => interpretPayload(body, m.paths[0]), 'SCHEMA_INVALID', /template: expires:/);
        continue;
      }
      const payload = interpretPayload(body, m.paths[0]);
      assert.equal(payload.kind, m.type, m.paths[0]);
    }
  });
});
