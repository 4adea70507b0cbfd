import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyGraph, encodeJson, listReferrers, MemoryStore, OCI_INDEX, OciLayoutStore, type Store } from '../../../src/oci/index.js';
import type { Descriptor } from '../../../src/schema/index.js';
import { buildImage, pushImage, pushIndex } from '../../helpers/image.js';

// A referrer may name its own subject among its children (an index with `subject: S` and
// `manifests: [S]`), or a manifest above its subject: content addressing allows it, because the
// referrer's digest depends on the subject's and not the other way round. Anyone who can push to
// a source can write one. copy --referrers waited for a child's whole copy, its referrers
// included, so the subject waited for its referrer and the referrer for its subject: the copy
// hung for good. A child is waited for until it is stored; referrers are copied beside.

async function indexReferrer(store: Store, subject: Descriptor, children: Descriptor[]): Promise<Descriptor> {
  const m = encodeJson(OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, artifactType: 'application/vnd.test.loop', manifests: children, subject });
  await store.push(m.desc, m.bytes);
  return m.desc;
}

const destinations: Array<[string, () => Store]> = [
  ['memory', () => new MemoryStore()],
  ['an OCI layout', () => OciLayoutStore.open(join(mkdtempSync(join(tmpdir(), 'cairn-copy-cycle-')), 'l'), { create: true })],
];

function withinSeconds<T>(p: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${seconds} s`)), seconds * 1000)));
  return Promise.race([p, hung]).finally(() => clearTimeout(timer));
}

describe('copy --referrers: a referrer whose children lead back to its subject', () => {
  for (const [name, open] of destinations) {
    it(`finishes, into ${name}, and lists the referrer`, async () => {
      const src = new MemoryStore();
      const image = await pushImage(src, await buildImage('cycle'));
      const loop = await indexReferrer(src, image, [image]);
      const dst = open();
      const result = await withinSeconds(copyGraph(src, dst, image, { referrers: true }), 10, 'the copy');
      assert.equal(result.referrers, 1);
      assert.deepEqual((await listReferrers(dst, image)).map((d) => d.digest), [loop.digest]);
      assert.ok(await dst.exists(loop));
    });

    it(`finishes, into ${name}, when the referrer of a platform names the index above it`, async () => {
      const src = new MemoryStore();
      const { index, platforms } = await pushIndex(src, 'cycle-index');
      const platform = platforms[0]!;
      const loop = await indexReferrer(src, platform, [index]);
      const dst = open();
      await withinSeconds(copyGraph(src, dst, index, { referrers: true }), 10, 'the copy');
      assert.deepEqual((await listReferrers(dst, platform)).map((d) => d.digest), [loop.digest]);
      for (const d of [index, ...platforms, loop]) assert.ok(await dst.exists(d), d.digest);
    });
  }
});
