import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, prettySortedJson } from '../../../src/encoding/index.js';

// prettySortedJson trusts canonicalJson's finding that a big object was sorted all the way down
// (so that a 100k-artifact link is not checked twice): it must never trust a subtree that
// canonicalJson had to re-sort.

const keysOf = (text: string): string[] => [...text.matchAll(/^ *"([^"]+)":/gm)].map((m) => m[1]!);

function artifacts(n: number, unsortedAt?: number): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (let i = 0; i < n; i++) out[`f${String(i).padStart(4, '0')}`] = i === unsortedAt ? { sha512: 'b', sha256: 'a' } : { sha256: 'a' };
  return out;
}

describe('prettySortedJson', () => {
  it('writes a big object canonicalJson found sorted as it is, with sorted keys', () => {
    const link = { _type: 'link', materials: {}, name: 'x', products: artifacts(100) };
    canonicalJson(link);
    const text = prettySortedJson({ signatures: [], signed: link });
    assert.deepEqual(JSON.parse(text).signed, JSON.parse(JSON.stringify(link)));
    const names = keysOf(text).filter((k) => k.startsWith('f'));
    assert.deepEqual(names, [...names].sort());
  });

  it('sorts a big object whose descendant canonicalJson had to re-sort', () => {
    const products = artifacts(100, 42);
    canonicalJson({ products });
    const text = prettySortedJson({ products });
    assert.match(text, /"f0042": \{\n {3}"sha256": "a",\n {3}"sha512": "b"\n {2}\}/);
  });

  it('sorts a big object with keys out of order', () => {
    const products: Record<string, unknown> = Object.create(null);
    for (let i = 99; i >= 0; i--) products[`f${String(i).padStart(4, '0')}`] = { sha256: 'a' };
    canonicalJson({ products });
    const names = keysOf(prettySortedJson({ products })).filter((k) => k.startsWith('f'));
    assert.deepEqual(names, [...names].sort());
    assert.equal(names.length, 100);
  });
});
