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

  // paeFromBase64 decodes and checks 64k characters at a time: payloads across several steps,
  // of every length modulo 3, and a flaw inside any step, at a step's edge or in the last one.
  it('decodes payloads longer than one step exactly', () => {
    for (const n of [49151, 49152, 49153, 49154, 3 * 49152 + 2, 200_000]) {
      const raw = Buffer.alloc(n);
      for (let i = 0; i < n; i++) raw[i] = (i * 131 + (i >> 8)) & 0xff;
      const got = paeFromBase64('t', raw.toString('base64'));
      assert.ok(got, String(n));
      assert.deepEqual(got.bytes, pae('t', raw));
    }
  });

  it('declines a flaw anywhere in a payload of several steps', () => {
    const raw = Buffer.alloc(200_000, 7);
    const good = raw.toString('base64');
    const flawed = [
      `${good.slice(0, 65536)} ${good.slice(65537)}`, // a space at the second step's start
      `${good.slice(0, 70000)}*${good.slice(70001)}`, // an invalid character in the second step
      `${good.slice(0, 65532)}BB==${good.slice(65536)}`, // padding inside, at the end of the first step
      `${good.slice(0, 131070)}_-${good.slice(131072)}`, // URL-safe characters in the middle
      `${good.slice(0, -2)}d=`, // non-zero trailing bits in the last step
    ];
    assert.ok(good.endsWith('c='));
    for (const b64 of flawed) {
      assert.equal(b64.length % 4, 0);
      assert.equal(paeFromBase64('t', b64), undefined, b64.slice(65530, 65540));
    }
  });

  it('declines URL-safe, unpadded, spaced, non-canonical and invalid base64 (decodeBase64 decides those)', () => {
    for (const b64 of ['_-8=', '_-8', 'aGVsbG8', 'aGVs bG8=', 'aGVsbG9=', 'aGVs*bG8=', 'QQ==QQ==', '=']) {
      assert.equal(paeFromBase64('t', b64), undefined, b64);
    }
  });
});
