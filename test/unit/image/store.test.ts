import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { flattenImage, listImageFiles, parsePlatform, selectPlatform } from '../../../src/image/index.js';
import type { Index } from '../../../src/schema/index.js';
import { assertCairnError } from '../../helpers/assert.js';
import { DOCKER_GZIP, gzip, hex, imageOf, OCI_GZIP, OCI_TAR, OCI_ZSTD, sha256, tarOf, zstdOf } from '../../helpers/tar.js';

// An image in a store, from the manifest descriptor to the flattened files: manifest and config
// read verified, config diff_ids enforced, layers in order; and choosing a platform of an index.

async function twoLayers() {
  const t1 = await tarOf([{ name: 'etc/os-release', content: 'debian' }, { name: 'bin/sh', content: 'sh', mode: 0o755 }]);
  const t2 = await tarOf([{ name: 'etc/.wh.os-release' }, { name: 'app/run', content: 'run' }]);
  return { t1, t2 };
}

describe('flattenImage', () => {
  it('flattens an OCI image (gzip and zstd layers) and checks the config diff_ids', async () => {
    const { t1, t2 } = await twoLayers();
    const { store, manifest } = imageOf([{ bytes: gzip(t1), uncompressed: t1, mediaType: OCI_GZIP }, { bytes: zstdOf(t2), uncompressed: t2, mediaType: OCI_ZSTD }]);
    const image = await flattenImage(store, manifest);
    assert.deepEqual(image.files.files.map((f) => f.path), ['app', 'app/run', 'bin', 'bin/sh', 'etc']);
    assert.deepEqual(image.files.toArtifactMap(), Object.assign(Object.create(null), { 'app/run': { sha256: hex('run') }, 'bin/sh': { sha256: hex('sh') } }));
    assert.deepEqual(image.files.diffIds, [sha256(t1), sha256(t2)]);
    assert.deepEqual(image.imageConfig.rootfs.diff_ids, image.files.diffIds);
    assert.equal(image.config.mediaType, 'application/vnd.oci.image.config.v1+json');
  });

  it('flattens a Docker v2 schema 2 image', async () => {
    const { t1, t2 } = await twoLayers();
    const { store, manifest } = imageOf([{ bytes: gzip(t1), uncompressed: t1, mediaType: DOCKER_GZIP }, { bytes: gzip(t2), uncompressed: t2, mediaType: DOCKER_GZIP }], { docker: true });
    const image = await flattenImage(store, manifest);
    assert.equal(image.files.get('app/run')?.sha256, hex('run'));
  });

  it('fails with DIGEST_MISMATCH when a layer is not what the config says, or the counts differ', async () => {
    const { t1, t2 } = await twoLayers();
    const layers = [{ bytes: t1, uncompressed: t1, mediaType: OCI_TAR }, { bytes: t2, uncompressed: t2, mediaType: OCI_TAR }];
    const swapped = imageOf(layers, { diffIds: [sha256(t2), sha256(t1)] });
    await assertCairnError(() => flattenImage(swapped.store, swapped.manifest), 'DIGEST_MISMATCH', /^layer 0 \(sha256:[0-9a-f]+\): uncompressed content is/);
    const short = imageOf(layers, { diffIds: [sha256(t1)] });
    await assertCairnError(() => flattenImage(short.store, short.manifest), 'DIGEST_MISMATCH', /more layers than the 1 diff_ids/);
  });

  it('fails with DIGEST_MISMATCH when a stored layer blob does not match its descriptor', async () => {
    const { t1 } = await twoLayers();
    const { store, manifest } = imageOf([{ bytes: gzip(t1), uncompressed: t1, mediaType: OCI_GZIP }]);
    const layerDigest = [...store.blobs.keys()][1]!;
    const tampered = Buffer.from(t1);
    tampered[512] = tampered[512]! ^ 1; // first byte of etc/os-release
    store.blobs.set(layerDigest, gzip(tampered));
    await assertCairnError(() => flattenImage(store, manifest), 'DIGEST_MISMATCH', new RegExp(`^${layerDigest}: `));
    store.blobs.set(layerDigest, gzipSync(t1, { level: 1 })); // same files, other bytes
    await assertCairnError(() => flattenImage(store, manifest), 'DIGEST_MISMATCH', new RegExp(`^${layerDigest}: `));
  });

  it('refuses an index, a non-manifest, an artifact config and a manifest whose mediaType disagrees', async () => {
    const { t1 } = await twoLayers();
    const { store, manifest } = imageOf([{ bytes: t1, uncompressed: t1, mediaType: OCI_TAR }]);
    await assertCairnError(() => flattenImage(store, { ...manifest, mediaType: 'application/vnd.oci.image.index.v1+json' }), 'INVALID_ARGUMENT', /is an image index: choose a platform first/);
    await assertCairnError(() => flattenImage(store, { ...manifest, mediaType: 'application/json' }), 'UNSUPPORTED', /not an image manifest/);
    await assertCairnError(() => flattenImage(store, { ...manifest, mediaType: 'application/vnd.docker.distribution.manifest.v2+json' }), 'SCHEMA_INVALID', /mediaType is application\/vnd\.oci\.image\.manifest\.v1\+json/);
    const artifact = imageOf([{ bytes: t1, uncompressed: t1, mediaType: OCI_TAR }], { configMediaType: 'application/vnd.oci.empty.v1+json' });
    await assertCairnError(() => flattenImage(artifact.store, artifact.manifest), 'UNSUPPORTED', /is not an image config/);
  });

  it('lists the files as `cairn image files --output json` prints them', async () => {
    const { t1, t2 } = await twoLayers();
    const { store, manifest } = imageOf([{ bytes: t1, uncompressed: t1, mediaType: OCI_TAR }, { bytes: gzip(t2), uncompressed: t2, mediaType: OCI_GZIP }]);
    const listing = await listImageFiles(store, manifest);
    assert.deepEqual(listing.manifest, { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size });
    assert.deepEqual(listing.layers.map((l) => [l.compression, l.diffId, l.entries]), [['none', sha256(t1), 2], ['gzip', sha256(t2), 2]]);
    assert.deepEqual(listing.files.find((f) => f.path === 'bin/sh'), { path: 'bin/sh', type: 'file', mode: 0o755, size: 2, sha256: hex('sh') });
    assert.deepEqual(JSON.parse(JSON.stringify(listing)), listing);
  });
});

describe('selectPlatform', () => {
  const d = (digest: string, platform?: Record<string, string>) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${digest.repeat(64)}`, size: 1, ...(platform ? { platform: platform as { os: string; architecture: string } } : {}) });
  const index: Index = {
    schemaVersion: 2,
    manifests: [
      d('a', { os: 'linux', architecture: 'amd64' }),
      d('b', { os: 'linux', architecture: 'arm', variant: 'v6' }),
      d('c', { os: 'linux', architecture: 'arm', variant: 'v7' }),
      d('e', { os: 'linux', architecture: 'arm64', variant: 'v8' }),
      d('f', { os: 'unknown', architecture: 'unknown' }),
      d('0'),
    ],
  };

  it('matches os/arch, and the variant when one is given (arm64 v8 is arm64)', () => {
    assert.equal(selectPlatform(index, 'linux/amd64').digest, `sha256:${'a'.repeat(64)}`);
    assert.equal(selectPlatform(index, 'linux/arm/v7').digest, `sha256:${'c'.repeat(64)}`);
    assert.equal(selectPlatform(index, 'linux/arm').digest, `sha256:${'b'.repeat(64)}`);
    assert.equal(selectPlatform(index, 'linux/arm64').digest, `sha256:${'e'.repeat(64)}`);
    assert.equal(selectPlatform(index, 'linux/arm64/v8').digest, `sha256:${'e'.repeat(64)}`);
  });

  it('names the platforms there are when none matches, and rejects a malformed platform', async () => {
    await assertCairnError(() => selectPlatform(index, 'linux/s390x'), 'NOT_FOUND', /no image for platform linux\/s390x in the index \(platforms: linux\/amd64, linux\/arm\/v6, linux\/arm\/v7, linux\/arm64\/v8, unknown\/unknown\)/);
    await assertCairnError(() => selectPlatform(index, 'linux/arm64/v9'), 'NOT_FOUND');
    for (const bad of ['linux', 'linux/', '/amd64', 'a/b/c/d']) await assertCairnError(() => parsePlatform(bad), 'INVALID_ARGUMENT', /is not os\/arch\[\/variant\]/);
    assert.deepEqual(parsePlatform('windows/amd64'), { os: 'windows', architecture: 'amd64' });
  });
});
