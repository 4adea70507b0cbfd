import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  copyGraph,
  EMPTY_BYTES,
  EMPTY_DESCRIPTOR,
  encodeJson,
  fetchVerified,
  listReferrers,
  MemoryStore,
  OCI_MANIFEST,
  OciLayoutStore,
  writeReferrersIndex,
  type Store,
} from '../../../src/oci/index.js';
import { digestOf } from '../../../src/digest/index.js';
import { isCairnError } from '../../../src/errors.js';
import type { Descriptor } from '../../../src/schema/index.js';
import { buildImage, pushImage } from '../../helpers/image.js';
import { checkLayoutDir } from '../../helpers/layout-check.js';

// Issue 19, mirroring: copy into an OCI layout lists all the referrers of a subject in one
// index.json write (each write is a rewrite, flushed, under the index lock), and index.json
// never names a referrer before its content and its subject are in the layout.

const newLayout = () => OciLayoutStore.open(join(mkdtempSync(join(tmpdir(), 'cairn-copy-index-')), 'l'), { create: true });

async function referrer(store: Store, subject: Descriptor, n: number): Promise<Descriptor> {
  await store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES);
  const layer = Buffer.from(`evidence ${n} of ${subject.digest}`);
  const layerDesc = { mediaType: 'application/vnd.test.layer', digest: digestOf(layer), size: layer.length };
  await store.push(layerDesc, layer);
  const m = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.test', config: EMPTY_DESCRIPTOR, layers: [layerDesc], subject, annotations: { n: String(n) } });
  await store.push(m.desc, m.bytes);
  return m.desc;
}

const bytesOf = (store: Store, desc: Descriptor) => fetchVerified(store, desc, 1 << 20);

// Counts the times index.json is replaced (each write renames a new file onto it) while `work`
// runs: inotify reports every rename in order, and a marker file written afterwards tells when
// all the events of the work have arrived.
async function indexWrites(dir: string, work: () => Promise<unknown>): Promise<number> {
  let writes = 0;
  let done: () => void = () => undefined;
  const marked = new Promise<void>((resolve) => (done = resolve));
  const watcher = watch(dir, (_event, name) => {
    if (name === 'index.json') writes++;
    if (name === 'end-marker') done();
  });
  try {
    await work();
    writeFileSync(join(dir, 'end-marker'), '');
    await marked;
  } finally {
    watcher.close();
  }
  return writes;
}

describe('copy into an OCI layout: index.json', () => {
  it('is written once per subject for all its referrers, not once per referrer', async () => {
    const src = new MemoryStore();
    const image = await pushImage(src, await buildImage('index-writes'), 'v1');
    const made = [];
    for (let i = 0; i < 12; i++) made.push(await referrer(src, image, i));
    // two referrers of a referrer: a second subject, a second write
    const nested = [await referrer(src, made[0] as Descriptor, 100), await referrer(src, made[0] as Descriptor, 101)];
    const layout = newLayout();
    const writes = await indexWrites(layout.dir, () => copyGraph(src, layout, image, { referrers: true }));
    assert.equal(writes, 2, 'one index.json write for the 12 referrers of the image, one for the 2 of the first referrer');
    assert.deepEqual((await listReferrers(layout, image)).map((d) => d.digest).sort(), made.map((d) => d.digest).sort());
    assert.deepEqual((await listReferrers(layout, made[0] as Descriptor)).map((d) => d.digest).sort(), nested.map((d) => d.digest).sort());
    // a second copy finds everything listed and writes nothing
    assert.equal(await indexWrites(layout.dir, () => copyGraph(src, layout, image, { referrers: true })), 0);
  });

  it('lists a referrer that a killed copy stored but had not listed yet', async () => {
    const src = new MemoryStore();
    const image = await pushImage(src, await buildImage('index-leftover'), 'v1');
    const stored = await referrer(src, image, 1);
    const other = await referrer(src, image, 2);
    const layout = newLayout();
    // what a copy killed between storing a referrer's content and listing it leaves: the blobs
    // under their names, index.json without the entry
    for (const desc of [stored, EMPTY_DESCRIPTOR, ...(JSON.parse((await bytesOf(src, stored)).toString('utf8')) as { layers: Descriptor[] }).layers]) {
      writeFileSync(join(layout.dir, 'blobs', 'sha256', desc.digest.slice(7)), await bytesOf(src, desc));
    }
    assert.deepEqual(await listReferrers(layout, image), []);
    await copyGraph(src, layout, image, { referrers: true });
    assert.deepEqual((await listReferrers(layout, image)).map((d) => d.digest).sort(), [stored.digest, other.digest].sort());
  });

  it('lists no referrer of a subject whose copy failed, nor a referrer whose copy failed', async () => {
    const manifestOf = async (store: Store, d: Descriptor) => JSON.parse((await bytesOf(store, d)).toString('utf8')) as { layers: Descriptor[] };
    // the image's last layer is gone from the source: its referrers move while its layers do,
    // and are stored, but index.json must not name them (their subject never arrived)
    const src = new MemoryStore();
    const image = await pushImage(src, await buildImage('index-failed'), 'v1');
    for (let i = 0; i < 6; i++) await referrer(src, image, i);
    src.delete(((await manifestOf(src, image)).layers.at(-1) as Descriptor).digest);
    const layout = newLayout();
    await assert.rejects(copyGraph(src, layout, image, { referrers: true }), (err) => isCairnError(err, 'NOT_FOUND'));
    assert.deepEqual((JSON.parse(readFileSync(join(layout.dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] }).manifests, []);
    assert.deepEqual(checkLayoutDir(layout.dir).problems, []);

    // a referrer whose layer is gone: never listed
    const src2 = new MemoryStore();
    const image2 = await pushImage(src2, await buildImage('index-failed-2'), 'v1');
    await referrer(src2, image2, 1);
    const broken = await referrer(src2, image2, 2);
    src2.delete(((await manifestOf(src2, broken)).layers[0] as Descriptor).digest);
    const layout2 = newLayout();
    await assert.rejects(copyGraph(src2, layout2, image2, { referrers: true }), (err) => isCairnError(err, 'NOT_FOUND'));
    assert.ok(!(await listReferrers(layout2, image2)).some((d) => d.digest === broken.digest));
    assert.deepEqual(checkLayoutDir(layout2.dir).problems, []);
  });

  it('copies a source whose fallback index lists a manifest of another subject, or none', async () => {
    // another tool's (or a hostile) sha256-<hex> index: the old copy carried these entries and
    // the layout listed each by what its manifest says; one write must not make copy refuse them
    const src = new MemoryStore({ referrers: false });
    const image = await pushImage(src, await buildImage('index-sloppy'), 'v1');
    const other = await pushImage(src, await buildImage('index-sloppy-other'), 'v2');
    const own = await referrer(src, image, 1);
    const elsewhere = await referrer(src, other, 2);
    const plain = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, config: EMPTY_DESCRIPTOR, layers: [] });
    await src.push(plain.desc, plain.bytes);
    await writeReferrersIndex(src, image, [own, elsewhere, plain.desc]);
    const layout = newLayout();
    await copyGraph(src, layout, image, { referrers: true });
    assert.deepEqual((await listReferrers(layout, image)).map((d) => d.digest), [own.digest]);
    assert.deepEqual((await listReferrers(layout, other)).map((d) => d.digest), [elsewhere.digest]);
    assert.deepEqual(checkLayoutDir(layout.dir).problems, []);
  });

  it('recordReferrers names only manifests that are in the layout, whole, each under its own subject', async () => {
    const src = new MemoryStore();
    const image = await pushImage(src, await buildImage('index-record'), 'v1');
    const other = await pushImage(src, await buildImage('index-record-other'), 'v2');
    const layout = newLayout();
    await copyGraph(src, layout, image);
    const absent = await referrer(src, image, 1);
    await assert.rejects(layout.recordReferrers(image, [absent]), (err) => isCairnError(err, 'NOT_FOUND'));
    // a manifest that names another subject (a source's fallback index may list it) is listed
    // as what it is, a referrer of that subject; one without a subject is no referrer
    const elsewhere = await referrer(src, other, 2);
    await layout.push(elsewhere, await bytesOf(src, elsewhere), { unlisted: true });
    const plain = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, config: EMPTY_DESCRIPTOR, layers: [] });
    await layout.push(plain.desc, plain.bytes);
    await layout.recordReferrers(image, [elsewhere, plain.desc]);
    assert.deepEqual((await listReferrers(layout, other)).map((d) => d.digest), [elsewhere.digest]);
    assert.ok(!(await layout.indexEntries()).some((d) => d.digest === plain.desc.digest));
    // a file under a referrer's name that is not its content
    const bad = await referrer(src, image, 3);
    writeFileSync(join(layout.dir, 'blobs', 'sha256', bad.digest.slice(7)), (await bytesOf(src, bad)).subarray(1));
    await assert.rejects(layout.recordReferrers(image, [bad]));
    assert.deepEqual(await listReferrers(layout, image), []);
    const good = await referrer(src, image, 4);
    await copyGraph(src, layout, good, { referrers: true });
    assert.deepEqual((await listReferrers(layout, image)).map((d) => d.digest), [good.digest]);
  });
});
