import { gzipSync } from 'node:zlib';
import { digestOf } from '../../src/digest/index.js';
import { encodeJson, OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST, type Store } from '../../src/oci/index.js';
import type { Descriptor } from '../../src/schema/index.js';
import { tarOf, type Entry } from './image.js';

// A one-layer image with the files and the config the test chooses (the config blob written
// exactly as given, apart from rootfs), pushed to a store: for tests of what the rule engine
// sees of an image's names and execution parameters.

/** Pushes a one-layer image of `entries` whose config is `config` plus rootfs; returns its manifest. */
export async function pushCustomImage(store: Store, entries: Entry[], config: Record<string, unknown> | string = {}): Promise<Descriptor> {
  const raw = await tarOf(entries);
  const gz = gzipSync(raw);
  const layer = { mediaType: OCI_LAYER_GZIP, digest: digestOf(gz), size: gz.length };
  await store.push(layer, gz);
  const rootfs = `"rootfs":{"type":"layers","diff_ids":["${digestOf(raw)}"]}`;
  // A string is the config's JSON text without its closing brace: duplicate keys survive.
  const text = typeof config === 'string'
    ? `${config},${rootfs}}`
    : JSON.stringify({ architecture: 'amd64', os: 'linux', ...config, rootfs: JSON.parse(`{${rootfs}}`).rootfs });
  const bytes = Buffer.from(text);
  const configDesc = { mediaType: OCI_CONFIG, digest: digestOf(bytes), size: bytes.length };
  await store.push(configDesc, bytes);
  const manifest = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDesc, layers: [layer] });
  await store.push(manifest.desc, manifest.bytes);
  return manifest.desc;
}
