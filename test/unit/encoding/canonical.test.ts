import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalBytes, canonicalJson, decodeBase64, decodeHex } from '../../../src/encoding/index.js';
import { sha256Hex } from '../../../src/digest/index.js';
import { UPSTREAM } from '../../helpers/paths.js';
import { assertCairnErrorSync } from '../../helpers/assert.js';

const values = JSON.parse(readFileSync(join(UPSTREAM, 'computed-values.json'), 'utf8'));

describe('canonical JSON', () => {
  it('matches the in-toto-golang / securesystemslib reference bytes', () => {
    const check = values.canonicalJsonCheck;
    const doc = JSON.parse(readFileSync(join(UPSTREAM, check.file), 'utf8'));
    assert.equal(canonicalBytes(doc.signed).toString('hex'), check.canonicalSignedHex);
  });

  it('reproduces the exact signed bytes of every Metablock in the upstream data', () => {
    let n = 0;
    for (const m of values.metadata) {
      if (m.format !== 'metablock') continue;
      for (const p of m.paths) {
        const doc = JSON.parse(readFileSync(join(UPSTREAM, p), 'utf8'));
        assert.equal(sha256Hex(canonicalBytes(doc.signed)), m.canonicalSignedSha256, p);
        n++;
      }
    }
    assert.ok(n > 20, `checked ${n} files`);
  });

  it('matches the exact byte files in computed/canonical', () => {
    for (const e of values.exactBytes) {
      if (!String(e.kind).startsWith('canonical')) continue;
      const doc = JSON.parse(readFileSync(join(UPSTREAM, e.source), 'utf8'));
      assert.deepEqual(canonicalBytes(doc.signed), readFileSync(join(UPSTREAM, e.bytes)), e.source);
    }
  });

  it('sorts keys by code point, not by UTF-16 unit', () => {
    // U+FF61 sorts before U+1F600 by code point, after it by UTF-16 code unit.
    assert.equal(canonicalJson({ '\u{1F600}': 1, '\uFF61': 2 }), '{"\uFF61":2,"\u{1F600}":1}');
  });

  it('escapes only backslash and double quote, keeping control characters raw', () => {
    assert.equal(canonicalJson({ a: 'x"\\\n\u001b' }), '{"a":"x\\"\\\\\n\u001b"}');
  });

  it('rejects floats and non-JSON values', () => {
    assertCairnErrorSync(() => canonicalJson({ a: 1.5 }), 'SCHEMA_INVALID', /a: canonical JSON allows only integers/);
    assertCairnErrorSync(() => canonicalJson({ a: [() => 1] }), 'SCHEMA_INVALID', /a\[0\]/);
  });
});

describe('base64 and hex', () => {
  it('accepts both alphabets and rejects junk', () => {
    assert.deepEqual(decodeBase64('+/8='), Buffer.from([0xfb, 0xff]));
    assert.deepEqual(decodeBase64('-_8'), Buffer.from([0xfb, 0xff]));
    assertCairnErrorSync(() => decodeBase64('ab$c'), 'SCHEMA_INVALID');
    assertCairnErrorSync(() => decodeBase64('abcde'), 'SCHEMA_INVALID');
    assertCairnErrorSync(() => decodeHex('abc'), 'SCHEMA_INVALID');
    assertCairnErrorSync(() => decodeHex('zz'), 'SCHEMA_INVALID');
  });
});
