import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { copyGraph, encodeJson, fetchVerified, MemoryStore, OCI_MANIFEST, OciLayoutStore, type Store } from '../../../src/oci/index.js';
import { isCairnError } from '../../../src/errors.js';
import { digestOf } from '../../../src/digest/index.js';
import type { Descriptor } from '../../../src/schema/index.js';
import { buildImage, pushImage } from '../../helpers/image.js';
import { tmpDir } from '../../helpers/tmp.js';
import { buildkitAttestation, buildxIndex, orasAttach } from '../../helpers/ecosystem.js';

// An OCI image layout "MAY be missing referenced blobs" (image-spec image-layout.md#blobs), and
// tools leave some out: non-distributable (foreign) layers, fetched from their `urls`; the other
// platforms of an index and their BuildKit attestation manifests (`docker save --platform`,
// `skopeo copy --multi-arch index-only`). `cairn copy` carries what is there and reports what
// was omitted; anything else missing (a config, a distributable layer, part of a manifest that is
// there, a referrer's blob, or anything a registry lists) still fails the copy.

const AMD = { os: 'linux', architecture: 'amd64' };
const ARM = { os: 'linux', architecture: 'arm64' };
const SLSA = 'https://slsa.dev/provenance/v1';

function layout(): { store: OciLayoutStore; dir: string } {
  const dir = tmpDir();
  return { store: OciLayoutStore.open(dir, { create: true }), dir };
}
const removeBlob = (dir: string, d: { digest: string }) => rmSync(join(dir, 'blobs', 'sha256', d.digest.slice(7)));
const notFound = (err: unknown) => isCairnError(err, 'NOT_FOUND');

// A buildx-style index: two platforms, an attestation manifest for each.
async function buildx(store: Store, seed: string) {
  const amd = await pushImage(store, await buildImage(seed, AMD));
  const arm = await pushImage(store, await buildImage(seed, ARM));
  const statement = (d: Descriptor) => Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: d.digest.slice(7) } }], predicateType: SLSA, predicate: {} }));
  const amdAtt = await buildkitAttestation(store, [{ predicateType: SLSA, body: statement(amd) }]);
  const armAtt = await buildkitAttestation(store, [{ predicateType: SLSA, body: statement(arm) }]);
  const index = await buildxIndex(store, [{ image: amd, platform: AMD, attestation: amdAtt }, { image: arm, platform: ARM, attestation: armAtt }]);
  return { index, amd, arm, amdAtt, armAtt };
}

// An image whose last layer is non-distributable (Windows base layers are), with `urls`.
async function foreignImage(store: Store, seed: string, mediaType: string): Promise<{ image: Descriptor; foreign: Descriptor }> {
  const base = await buildImage(seed);
  for (const b of base.blobs.slice(0, -1)) await store.push(b.desc, b.bytes);
  const m = JSON.parse(base.blobs.at(-1)!.bytes.toString()) as { layers: Descriptor[] };
  const bytes = Buffer.from(`foreign ${seed}`);
  const foreign = { mediaType, digest: digestOf(bytes), size: bytes.length, urls: ['https://go.microsoft.test/fwlink/?linkid=1'] };
  const { desc, bytes: mb } = encodeJson(OCI_MANIFEST, { ...m, layers: [...m.layers, foreign] });
  await store.push(desc, mb);
  return { image: desc, foreign };
}

describe('cairn copy: blobs an OCI layout may omit', () => {
  it('carries an index whose other platform and its attestation manifest are not in the layout, and says so', async () => {
    const src = layout();
    const b = await buildx(src.store, 'omit-platform');
    removeBlob(src.dir, b.arm);
    removeBlob(src.dir, b.armAtt);
    const dst = layout();
    const r = await copyGraph(src.store, dst.store, b.index, { referrers: true });
    assert.deepEqual(r.omitted.map((o) => o.digest).sort(), [b.arm.digest, b.armAtt.digest].sort());
    assert.ok(r.omitted.every((o) => /not in the source layout/.test(o.why)));
    for (const d of [b.index, b.amd, b.amdAtt]) assert.ok(await dst.store.exists(d), d.digest);
    assert.equal(await dst.store.exists(b.arm), false);
  });

  it('carries an index alone (skopeo copy --multi-arch index-only), every manifest reported', async () => {
    const src = layout();
    const b = await buildx(src.store, 'index-only');
    for (const d of [b.amd, b.arm, b.amdAtt, b.armAtt]) removeBlob(src.dir, d);
    const r = await copyGraph(src.store, layout().store, b.index, { referrers: true });
    assert.equal(r.omitted.length, 4);
    assert.equal(r.manifests, 1);
  });

  for (const mediaType of ['application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip']) {
    it(`carries an image without its non-distributable layer (${mediaType.split('.').slice(-3).join('.')})`, async () => {
      const src = layout();
      const { image, foreign } = await foreignImage(src.store, `foreign-${mediaType.length}`, mediaType);
      const dst = layout();
      const r = await copyGraph(src.store, dst.store, image);
      assert.deepEqual(r.omitted.map((o) => o.digest), [foreign.digest]);
      assert.match(r.omitted[0]!.why, /non-distributable/);
      assert.ok(await dst.store.exists(image));
    });
  }

  describe('fails closed on anything else', () => {
    it('a missing config, or a missing distributable layer', async () => {
      for (const which of ['config', 'layer'] as const) {
        const src = layout();
        const img = await buildImage(`missing-${which}`);
        const image = await pushImage(src.store, img);
        const m = JSON.parse(img.blobs.at(-1)!.bytes.toString()) as { config: Descriptor; layers: Descriptor[] };
        removeBlob(src.dir, which === 'config' ? m.config : m.layers[0]!);
        await assert.rejects(copyGraph(src.store, layout().store, image), notFound, which);
      }
    });

    it('a platform manifest that is there but incomplete', async () => {
      const src = layout();
      const b = await buildx(src.store, 'incomplete-platform');
      const m = JSON.parse((await fetchVerified(src.store, b.arm, 1 << 20)).toString()) as { layers: Descriptor[] };
      removeBlob(src.dir, m.layers[0]!);
      await assert.rejects(copyGraph(src.store, layout().store, b.index), notFound);
    });

    it('an attestation manifest that is there without its Statement', async () => {
      const src = layout();
      const b = await buildx(src.store, 'incomplete-attestation');
      const m = JSON.parse((await fetchVerified(src.store, b.armAtt, 1 << 20)).toString()) as { layers: Descriptor[] };
      removeBlob(src.dir, m.layers[0]!);
      await assert.rejects(copyGraph(src.store, layout().store, b.index), notFound);
    });

    it("a referrer's blob", async () => {
      const src = layout();
      const image = await pushImage(src.store, await buildImage('referrer-blob'));
      const bytes = Buffer.from('{"payloadType":"x","payload":"","signatures":[]}');
      const ref = await orasAttach(src.store, image, 'application/vnd.example+json', { name: 'x.json', mediaType: 'application/vnd.example+json', bytes });
      assert.ok(ref);
      rmSync(join(src.dir, 'blobs', 'sha256', digestOf(bytes).slice(7)));
      await assert.rejects(copyGraph(src.store, layout().store, image, { referrers: true }), notFound);
    });

    it('any of these missing from a source that is not an OCI layout (a registry must serve what it lists)', async () => {
      const src = new MemoryStore();
      const b = await buildx(src, 'registry-source');
      src.delete(b.arm.digest);
      await assert.rejects(copyGraph(src, layout().store, b.index), notFound);
      const { image, foreign } = await foreignImage(src, 'registry-foreign', 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip');
      assert.equal(await src.exists(foreign), false);
      await assert.rejects(copyGraph(src, layout().store, image), notFound);
    });
  });
});
