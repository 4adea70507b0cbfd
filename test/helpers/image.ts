import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { digestOf } from '../../src/digest/index.js';
import { encodeJson, OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST, type Store } from '../../src/oci/index.js';
import type { Descriptor, Platform } from '../../src/schema/index.js';

// Deterministic OCI images for tests, built without docker (after ggcr's random.Image): several
// tar+gzip layers (the later ones with whiteouts and an opaque directory), a config with the
// diff_ids, a manifest, and an index of two platforms. Same inputs, same digests.

/** One tar entry: a file (with content), a directory, or a symlink. */
export type Entry = { path: string; content: string } | { path: string; dir: true } | { path: string; symlink: string };

const MTIME = new Date('2024-01-01T00:00:00Z');

/** The bytes of a tar archive with these entries (fixed mtime, owner and modes). */
export async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    const base = { name: e.path, mtime: MTIME, uid: 0, gid: 0, uname: 'root', gname: 'root' };
    if ('content' in e) pack.entry({ ...base, mode: 0o644 }, e.content);
    else if ('dir' in e) pack.entry({ ...base, type: 'directory', mode: 0o755 });
    else pack.entry({ ...base, type: 'symlink', linkname: e.symlink, mode: 0o777 });
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The three layers of a test image; `seed` changes the content (and so every digest). */
export function testLayers(seed: string): Entry[][] {
  return [
    [{ path: 'etc/', dir: true }, { path: 'etc/os-release', content: `ID=cairn-test\nSEED=${seed}\n` }, { path: 'app/', dir: true }, { path: 'app/old.txt', content: 'to be deleted\n' }, { path: 'app/cache/', dir: true }, { path: 'app/cache/a', content: 'a\n' }],
    [{ path: 'app/bin', content: `#!/bin/sh\necho ${seed}\n` }, { path: 'app/.wh.old.txt', content: '' }, { path: 'etc/app', symlink: '../app/bin' }],
    [{ path: 'app/cache/', dir: true }, { path: 'app/cache/.wh..wh..opq', content: '' }, { path: 'app/cache/b', content: 'b\n' }],
  ];
}

/** A built image: its manifest descriptor and every blob, ready to push. */
export interface BuiltImage {
  manifest: Descriptor;
  blobs: { desc: Descriptor; bytes: Buffer }[];
}

/** Builds an image manifest for one platform from layers of entries. */
export async function buildImage(seed: string, platform: Platform = { os: 'linux', architecture: 'amd64' }): Promise<BuiltImage> {
  const blobs: { desc: Descriptor; bytes: Buffer }[] = [];
  const layers: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const entries of testLayers(`${seed}/${platform.architecture}`)) {
    const raw = await tarOf(entries);
    const gz = gzipSync(raw, { level: 6 });
    const desc = { mediaType: OCI_LAYER_GZIP, digest: digestOf(gz), size: gz.length };
    diffIds.push(digestOf(raw));
    layers.push(desc);
    blobs.push({ desc, bytes: gz });
  }
  const config = encodeJson(OCI_CONFIG, { architecture: platform.architecture, os: platform.os, created: MTIME.toISOString(), rootfs: { type: 'layers', diff_ids: diffIds }, config: {} });
  blobs.push(config);
  const manifest = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, config: config.desc, layers });
  blobs.push(manifest);
  return { manifest: { ...manifest.desc, platform }, blobs };
}

/** Pushes an image's blobs (manifest last) and optionally tags it. */
export async function pushImage(store: Store, image: BuiltImage, tag?: string): Promise<Descriptor> {
  for (const b of image.blobs) await store.push(b.desc, b.bytes);
  const { platform: _p, ...desc } = image.manifest;
  if (tag) await store.tag(desc, tag);
  return desc;
}

/** Builds and pushes a two-platform index (linux/amd64, linux/arm64); returns its descriptor. */
export async function pushIndex(store: Store, seed: string, tag?: string): Promise<{ index: Descriptor; platforms: Descriptor[] }> {
  const images = [await buildImage(seed, { os: 'linux', architecture: 'amd64' }), await buildImage(seed, { os: 'linux', architecture: 'arm64', variant: 'v8' })];
  for (const img of images) await pushImage(store, img);
  const index = encodeJson(OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: images.map((i) => i.manifest) });
  await store.push(index.desc, index.bytes);
  if (tag) await store.tag(index.desc, tag);
  return { index: index.desc, platforms: images.map((i) => { const { platform: _p, ...d } = i.manifest; return d; }) };
}
