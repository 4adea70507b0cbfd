import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pae } from '../../../src/dsse/index.js';
import { paeFromBase64 } from '../../../src/dsse/pae.js';

// PAE built straight from the base64 payload must be byte for byte the PAE of the decoded
// payload, and must decline every form but the canonical standard encoding.

describe('paeFromBase64', () => {
  it('gives the PAE of the decoded payload, with the payload as a view of it', () => {
    for (const [type, payload] of [['http://example.com/HelloWorld', 'hello world'], ['application/vnd.in-toto+json', ''], ['typ\u00e9', '\u00ff\u0000x']] as const) {
      const raw = Buffer.from(payload, 'latin1');
      const got = paeFromBase64(type, raw.toString('base64'));
      assert.ok(got);
      assert.deepEqual(got.bytes, pae(type, raw));
      assert.deepEqual(got.payload, raw);
    }
    assert.equal(paeFromBase64('http://example.com/HelloWorld', 'aGVsbG8gd29ybGQ=')!.bytes.toString(), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });

  it('declines URL-safe, unpadded, spaced, non-canonical and invalid base64 (decodeBase64 decides those)', () => {
    for (const b64 of ['_-8=', '_-8', 'aGVsbG8', 'aGVs bG8=', 'aGVsbG9=', 'aGVs*bG8=', 'QQ==QQ==', '=']) {
      assert.equal(paeFromBase64('t', b64), undefined, b64);
    }
  });
});
