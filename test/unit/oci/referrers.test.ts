import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addReferrer,
  copyGraph,
  EMPTY_BYTES,
  EMPTY_DESCRIPTOR,
  encodeJson,
  listReferrers,
  MemoryStore,
  OCI_MANIFEST,
  OciLayoutStore,
  readReferrersIndex,
  referrersTag,
  repairReferrers,
  writeReferrersIndex,
  type Store,
} from '../../../src/oci/index.js';
import type { Descriptor } from '../../../src/schema/index.js';
import { buildImage, pushImage, pushIndex } from '../../helpers/image.js';

// The tag-schema fallback (on a MemoryStore without its own listing), repairs, the GitLab
// fallback-tag bug, and copying images with their referrers between stores.

async function referrer(store: Store, subject: Descriptor, n: number, type = 'application/vnd.test'): Promise<Descriptor> {
  await store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES);
  const m = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: type, config: EMPTY_DESCRIPTOR, layers: [EMPTY_DESCRIPTOR], subject, annotations: { n: String(n) } });
  await store.push(m.desc, m.bytes);
  return { ...m.desc, artifactType: type, annotations: { n: String(n) } };
}

describe('referrers on the tag schema', () => {
  it('keeps every entry when 30 attaches to one subject run at once', async () => {
    const store = new MemoryStore({ referrers: false });
    const subject = await pushImage(store, await buildImage('many'), 'v1');
    const made = await Promise.all(Array.from({ length: 30 }, (_, i) => referrer(store, subject, i)));
    await Promise.all(made.map((d) => addReferrer(store, subject, d, { settleMs: 1 })));
    const index = await readReferrersIndex(store, subject);
    assert.equal(index.index.manifests.length, 30);
    assert.equal((await store.tags()).filter((t) => t.startsWith(`${referrersTag(subject.digest as `sha256:${string}`)}.`)).length, 30);
  });

  it('finds referrers a racing writer dropped from the index through their tags, and repair restores them', async () => {
    const store = new MemoryStore({ referrers: false });
    const subject = await pushImage(store, await buildImage('lost'), 'v1');
    const a = await referrer(store, subject, 1);
    const b = await referrer(store, subject, 2);
    await addReferrer(store, subject, a, { settleMs: 1 });
    await addReferrer(store, subject, b, { settleMs: 1 });
    await writeReferrersIndex(store, subject, [b]); // another process overwrote the index
    assert.deepEqual((await listReferrers(store, subject)).map((d) => d.digest).sort(), [a.digest, b.digest].sort());
    assert.deepEqual((await listReferrers(store, subject, undefined, { fromTags: false })).map((d) => d.digest), [b.digest]);
    const result = await repairReferrers(store, subject);
    assert.deepEqual(result.added, [a.digest]);
    assert.equal((await readReferrersIndex(store, subject)).index.manifests.length, 2);
  });

  it('repair drops entries whose manifest is gone', async () => {
    const store = new MemoryStore({ referrers: false });
    const subject = await pushImage(store, await buildImage('gone'), 'v1');
    const a = await referrer(store, subject, 1);
    await addReferrer(store, subject, a, { settleMs: 1, referrerTag: false });
    store.delete(a.digest);
    const result = await repairReferrers(store, subject);
    assert.deepEqual(result.removed, [a.digest]);
    assert.equal(result.total, 0);
  });

  it('ignores a fallback tag that names the subject itself (GitLab, oras#2148)', async () => {
    const store = new MemoryStore({ referrers: false });
    const subject = await pushImage(store, await buildImage('gitlab'), 'v1');
    await store.tag(subject, referrersTag(subject.digest as `sha256:${string}`));
    assert.deepEqual(await listReferrers(store, subject), []);
  });

  it('stores that list referrers need no index', async () => {
    const store = new MemoryStore();
    const subject = await pushImage(store, await buildImage('native'), 'v1');
    const a = await referrer(store, subject, 1);
    await addReferrer(store, subject, a);
    assert.deepEqual(await store.tags(), ['v1']);
    assert.deepEqual((await listReferrers(store, subject)).map((d) => d.digest), [a.digest]);
  });
});

describe('copyGraph', () => {
  it('copies an index, its platforms and all referrers (recursively) to a layout and back', async () => {
    const src = new MemoryStore({ referrers: false });
    const { index, platforms } = await pushIndex(src, 'copy', 'v1');
    const onIndex = await referrer(src, index, 1);
    await addReferrer(src, index, onIndex, { settleMs: 1 });
    const onPlatform = await referrer(src, platforms[0] as Descriptor, 2);
    await addReferrer(src, platforms[0] as Descriptor, onPlatform, { settleMs: 1 });
    const onReferrer = await referrer(src, onIndex, 3, 'application/vnd.signature');
    await addReferrer(src, onIndex, onReferrer, { settleMs: 1 });

    const layout = OciLayoutStore.open(join(mkdtempSync(join(tmpdir(), 'cairn-copy-')), 'l'), { create: true });
    const events: string[] = [];
    const result = await copyGraph(src, layout, index, { referrers: true, onEvent: (e) => events.push(e.kind) });
    assert.equal(result.referrers, 3);
    assert.ok(events.includes('bytes'));
    assert.deepEqual((await listReferrers(layout, index)).map((d) => d.digest), [onIndex.digest]);
    assert.deepEqual((await listReferrers(layout, platforms[0] as Descriptor)).map((d) => d.digest), [onPlatform.digest]);
    assert.deepEqual((await listReferrers(layout, onIndex)).map((d) => d.artifactType), ['application/vnd.signature']);

    const back = new MemoryStore({ referrers: false });
    await copyGraph(layout, back, index, { referrers: true });
    assert.deepEqual((await listReferrers(back, onIndex)).map((d) => d.digest), [onReferrer.digest]);
    const again = await copyGraph(layout, back, index, { referrers: true });
    assert.equal(again.blobs, 0);
  });
});
