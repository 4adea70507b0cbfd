import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeStore, EMPTY_BYTES, EMPTY_DESCRIPTOR, encodeJson, OCI_MANIFEST, openStore, parseReference, readReferrersIndex, writeReferrersIndex } from '../../src/oci/index.js';
import type { Descriptor } from '../../src/schema/index.js';
import type { BenchImage } from './image.js';

// An image that has collected referrers for years: a variant of the bench image (its manifest
// with one more annotation, the same layers) whose sha256-<hex> fallback index lists `others`
// referrers that are no evidence for the layout (SBOMs, scans, signatures of other tools, and
// older attestations of a predicate type the layout does not ask for), beside the 20 links the
// caller attaches. Other tools write no per-referrer tags, so these have none. Every listed
// manifest exists (distribution refuses an index naming unknown manifests), pushed 32 at a time.

const KINDS = [
  { artifactType: 'application/spdx+json' },
  { artifactType: 'application/vnd.cyclonedx+json' },
  { artifactType: 'application/sarif+json' },
  { artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' },
  { artifactType: 'application/vnd.cncf.notary.signature' },
  // Cairn's own evidence type, for a step no layout here has (an older pipeline's)
  { artifactType: 'application/vnd.in-toto+json', annotations: { 'dev.cairn.step': 'retired-step', 'in-toto.io/predicate-type': 'https://in-toto.io/attestation/link/v0.3' } },
];

/** Pushes the variant `n` of `image` into `repo` (host/path) and returns its reference by digest. */
export async function imageVariant(repo: string, image: BenchImage, n: string): Promise<string> {
  const manifest = JSON.parse(readFileSync(join(image.layout, 'blobs', 'sha256', image.manifest.digest.slice(7)), 'utf8'));
  const store = await openStore(parseReference(repo));
  try {
    const v = encodeJson(image.manifest.mediaType, { ...manifest, annotations: { ...(manifest.annotations ?? {}), 'dev.cairn.bench.variant': n } });
    await store.push(v.desc, v.bytes);
    return `${repo}@${v.desc.digest}`;
  } finally {
    await closeStore(store);
  }
}

/** Adds `others` foreign referrers to the fallback index of `ref` (host/path@digest). */
export async function floodReferrers(ref: string, others: number): Promise<void> {
  const store = await openStore(parseReference(ref));
  try {
    const subject = await store.resolve(ref.slice(ref.indexOf('@') + 1));
    await store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES);
    const entries: Descriptor[] = [];
    const pending: Promise<void>[] = [];
    for (let i = 0; i < others; i++) {
      const kind = KINDS[i % KINDS.length]!;
      const annotations = { ...(kind.annotations ?? {}), 'org.opencontainers.image.created': new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString() };
      const m = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: kind.artifactType, config: EMPTY_DESCRIPTOR, layers: [EMPTY_DESCRIPTOR], subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size }, annotations });
      entries.push({ ...m.desc, artifactType: kind.artifactType, annotations });
      pending.push(store.push(m.desc, m.bytes));
      if (pending.length === 32) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    const current = (await readReferrersIndex(store, subject)).index.manifests;
    await writeReferrersIndex(store, subject, [...current, ...entries]);
  } finally {
    await closeStore(store);
  }
}
