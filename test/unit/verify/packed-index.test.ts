import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IndexStore, packIndex } from '../../../src/verify/packed-index.js';
import type { ArtifactIndex, Digests } from '../../../src/rules/index.js';

// A link's artifacts as a worker packs them and the main thread unpacks them: the same index,
// in the same order, whatever the names hold; a list seen before is the index made of it then,
// and only the same list (names and digests, split the same way) is.

describe('packed artifact index', () => {
  it('unpacks to the index it was packed from, in its order', () => {
    const index: ArtifactIndex = new Map<string, Digests>([
      ['b/file', 'ab'.repeat(32)],
      ['', ''],
      ['a\u0000b\nc"d', 'x'],
      ['\u00e9\u{1F600}/\uD800', 'short'],
      ['a', 'ab'.repeat(32)],
    ]);
    const packed = packIndex(index);
    assert.ok('text' in packed, 'sha256-only digests are packed into one string');
    assert.deepEqual([...new IndexStore().unpack(packed)], [...index]);
    assert.deepEqual([...new IndexStore().unpack(packIndex(new Map()))], []);
  });

  it('sends an index with other digest sets as it is', () => {
    const index: ArtifactIndex = new Map<string, Digests>([['a', 'ab'], ['b', { sha256: 'ab', sha512: 'cd' }]]);
    const packed = packIndex(index);
    assert.ok('map' in packed);
    assert.deepEqual([...new IndexStore().unpack(packed)], [...index]);
  });

  it('gives the index made before for the same list, and only for the same list', () => {
    const store = new IndexStore();
    const d = 'ab'.repeat(32);
    const first = store.unpack(packIndex(new Map([['a', d], ['b', d]])));
    assert.equal(store.unpack(packIndex(new Map([['a', d], ['b', d]]))), first);
    for (const other of [new Map([['a', d]]), new Map([['b', d], ['a', d]]), new Map([['a', d], ['b', 'cd'.repeat(32)]]), new Map([['ab', d.slice(1)], ['b', d]])]) {
      const got = store.unpack(packIndex(other));
      assert.notEqual(got, first);
      assert.deepEqual([...got], [...other]);
    }
  });

  it('tells apart lists whose names differ only in lone surrogates (which UTF-8 would make the same)', () => {
    // JSON may carry "\ud800" and "\udc00"; encoded as UTF-8 both become U+FFFD, so a key
    // hashed over UTF-8 would hand one step's list to another and a MATCH would pass where
    // in-toto compares the names and fails
    const store = new IndexStore();
    const d = 'ab'.repeat(32);
    const high = store.unpack(packIndex(new Map([['bin\uD800', d]])));
    const low = store.unpack(packIndex(new Map([['bin\uDC00', d]])));
    assert.notEqual(low, high);
    assert.deepEqual([...low.keys()], ['bin\uDC00']);
    assert.deepEqual([...high.keys()], ['bin\uD800']);
  });
});
