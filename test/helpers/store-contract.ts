import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { digestOf } from '../../src/digest/index.js';
import {
  addReferrer,
  encodeJson,
  fetchVerified,
  isTagLister,
  listReferrers,
  MAX_MANIFEST_BYTES,
  OCI_INDEX,
  OCI_MANIFEST,
  EMPTY_BYTES,
  EMPTY_DESCRIPTOR,
  type Store,
} from '../../src/oci/index.js';
import type { Descriptor } from '../../src/schema/index.js';
import { assertCairnError } from './assert.js';
import { buildImage, pushImage, pushIndex } from './image.js';

// The one suite every Store must pass (oras-go's interface tests): memory and OCI layout in
// unit tests, the registry store in e2e against the real registry. `makeStore` gives a fresh,
// empty store (a new repository) for each test.

function blob(text: string): { desc: Descriptor; bytes: Buffer } {
  const bytes = Buffer.from(text);
  return { desc: { mediaType: 'application/octet-stream', digest: digestOf(bytes), size: bytes.length }, bytes };
}

/** Registers the contract tests for one kind of store. */
export function storeContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    it('pushes a blob and reads it back verified', async () => {
      const store = await makeStore();
      const b = blob('hello contract');
      assert.equal(await store.exists(b.desc), false);
      await store.push(b.desc, b.bytes);
      assert.equal(await store.exists(b.desc), true);
      assert.deepEqual(await fetchVerified(store, b.desc, 1024), b.bytes);
    });

    it('pushes a streamed blob, and pushing it again is harmless', async () => {
      const store = await makeStore();
      const b = blob('streamed '.repeat(1000));
      await store.push(b.desc, Readable.from([b.bytes.subarray(0, 100), b.bytes.subarray(100)]));
      await store.push(b.desc, b.bytes);
      assert.deepEqual(await fetchVerified(store, b.desc, b.desc.size), b.bytes);
    });

    it('refuses content that does not match its descriptor, and keeps none of it', async () => {
      const store = await makeStore();
      const b = blob('the real content');
      const lie = { ...b.desc, digest: digestOf('something else') };
      await assertCairnError(() => store.push(lie, b.bytes), 'DIGEST_MISMATCH');
      await assertCairnError(() => store.push(lie, Readable.from([b.bytes])), 'DIGEST_MISMATCH');
      assert.equal(await store.exists(lie), false);
    });

    it('reports absent content as NOT_FOUND', async () => {
      const store = await makeStore();
      const b = blob('never pushed');
      await assertCairnError(() => fetchVerified(store, b.desc, 1024), 'NOT_FOUND');
      await assertCairnError(() => store.resolve('no-such-tag'), 'NOT_FOUND');
    });

    it('caps reads at the given size', async () => {
      const store = await makeStore();
      const b = blob('x'.repeat(5000));
      await store.push(b.desc, b.bytes);
      await assertCairnError(() => fetchVerified(store, b.desc, 100), 'TOO_LARGE');
    });

    it('stores an image, resolves it by digest and by tag, and moves a tag', async () => {
      const store = await makeStore();
      const one = await pushImage(store, await buildImage('contract-1'), 'v1');
      const two = await pushImage(store, await buildImage('contract-2'));
      const byDigest = await store.resolve(one.digest);
      assert.equal(byDigest.digest, one.digest);
      assert.equal(byDigest.mediaType, OCI_MANIFEST);
      assert.equal(byDigest.size, one.size);
      assert.equal((await store.resolve('v1')).digest, one.digest);
      await store.tag(two, 'v1');
      assert.equal((await store.resolve('v1')).digest, two.digest);
      if (isTagLister(store)) assert.ok((await store.tags()).includes('v1'));
    });

    it('stores an image index of two platforms', async () => {
      const store = await makeStore();
      const { index, platforms } = await pushIndex(store, 'contract-index', 'multi');
      const resolved = await store.resolve('multi');
      assert.equal(resolved.digest, index.digest);
      assert.equal(resolved.mediaType, OCI_INDEX);
      for (const p of platforms) assert.equal(await store.exists(p), true);
    });

    it('lists referrers of a manifest, filtered by artifactType', async () => {
      const store = await makeStore();
      const subject = await pushImage(store, await buildImage('contract-subject'), 'subject');
      await store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES);
      const made: Descriptor[] = [];
      for (const type of ['application/vnd.test.a', 'application/vnd.test.b']) {
        const layer = blob(`payload ${type}`);
        await store.push(layer.desc, layer.bytes);
        const m = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: type, config: EMPTY_DESCRIPTOR, layers: [layer.desc], subject, annotations: { 'test.kind': type } });
        await store.push(m.desc, m.bytes);
        const entry = { ...m.desc, artifactType: type, annotations: { 'test.kind': type } };
        await addReferrer(store, subject, entry, { settleMs: 1 });
        made.push(entry);
      }
      const all = await listReferrers(store, subject);
      assert.deepEqual(all.map((d) => d.digest).sort(), made.map((d) => d.digest).sort());
      const onlyB = await listReferrers(store, subject, 'application/vnd.test.b');
      assert.equal(onlyB.length, 1);
      assert.equal(onlyB[0]?.annotations?.['test.kind'], 'application/vnd.test.b');
      assert.deepEqual(await listReferrers(store, made[0] as Descriptor), []);
    });

    it('refuses to read a manifest over the 4 MiB limit', async () => {
      const store = await makeStore();
      const big = blob(JSON.stringify({ schemaVersion: 2, pad: 'x'.repeat(MAX_MANIFEST_BYTES) }));
      await store.push(big.desc, big.bytes);
      await assertCairnError(() => fetchVerified(store, { ...big.desc, mediaType: OCI_MANIFEST }, MAX_MANIFEST_BYTES), 'TOO_LARGE');
    });
  });
}
