import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { encodeJson, EMPTY_BYTES, EMPTY_DESCRIPTOR, OCI_INDEX, OCI_MANIFEST, readReferrersIndex, referrersTag, isReferrerLister, OciLayoutStore, type Store } from '../../src/oci/index.js';
import { digestOf } from '../../src/digest/index.js';
import type { Descriptor, Platform } from '../../src/schema/index.js';
import { REPO_ROOT } from './paths.js';
import { buildImage, pushImage } from './image.js';

// OCI layouts as each tool of the ecosystem writes them, pushed into any store (a registry, an
// OCI layout, memory). Field order and annotations follow each tool's own code and specs
// (testdata/README.md names them). On a registry without the referrers API, referrers are
// listed in the `sha256-<hex>` index as oras, cosign and sigstore-js do (no Cairn `.ref` tags).

export const ECOSYSTEM_DATA = join(REPO_ROOT, 'testdata', 'ecosystem');
export const ecosystemFile = (name: string): Buffer => readFileSync(join(ECOSYSTEM_DATA, name));

const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

async function blob(store: Store, mediaType: string, bytes: Buffer, annotations?: Record<string, string>): Promise<Descriptor> {
  const desc = { mediaType, digest: digestOf(bytes), size: bytes.length, ...(annotations ? { annotations } : {}) };
  await store.push({ mediaType, digest: desc.digest, size: desc.size }, bytes);
  return desc;
}

async function manifest(store: Store, body: Record<string, unknown>): Promise<Descriptor> {
  const { desc, bytes } = encodeJson(OCI_MANIFEST, body);
  await store.push(desc, bytes);
  return desc;
}

// The referrers tag schema, the way oras-go and sigstore-js update it (read, append, write).
async function listAsReferrer(store: Store, subject: Descriptor, referrer: Descriptor, artifactType: string, annotations?: Record<string, string>): Promise<void> {
  if (isReferrerLister(store) && !(store instanceof OciLayoutStore) && (await store.referrers(subject)) !== null) return;
  const { index } = await readReferrersIndex(store, subject);
  const entry = { mediaType: OCI_MANIFEST, digest: referrer.digest, size: referrer.size, artifactType, ...(annotations ? { annotations } : {}) };
  const next = encodeJson(OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...index.manifests, entry] });
  await store.push(next.desc, next.bytes);
  await store.tag(next.desc, referrersTag(subject.digest as `sha256:${string}`));
}

// go-containerregistry's empty image config as cosign writes it for signature images.
function cosignConfig(layers: Descriptor[]): Buffer {
  return Buffer.from(JSON.stringify({ architecture: '', created: '0001-01-01T00:00:00Z', history: [{ created: '0001-01-01T00:00:00Z' }], os: '', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) }, config: {} }));
}

/** `cosign attest --key`: each DSSE envelope a layer of the one `sha256-<hex>.att` image (cosign appends). */
export async function cosignAttest(store: Store, subject: Descriptor, atts: { envelope: unknown; predicateType: string; certificatePem?: string }[], opts: { tag?: boolean } = {}): Promise<Descriptor> {
  const layers: Descriptor[] = [];
  for (const a of atts) {
    const annotations: Record<string, string> = { 'dev.cosignproject.cosign/signature': '', predicateType: a.predicateType, ...(a.certificatePem ? { 'dev.sigstore.cosign/certificate': a.certificatePem } : {}) };
    layers.push(await blob(store, 'application/vnd.dsse.envelope.v1+json', Buffer.from(JSON.stringify(a.envelope)), annotations));
  }
  const config = await blob(store, OCI_CONFIG, cosignConfig(layers));
  const m = await manifest(store, { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers });
  if (opts.tag ?? true) await store.tag(m, `${subject.digest.replace(':', '-')}.att`);
  return m;
}

/** `cosign sign --key`: a simple-signing payload signed over its bytes, on the `.sig` image. */
export async function cosignSign(store: Store, subject: Descriptor, repository: string, privateKeyPem: string, opts: { tag?: boolean } = {}): Promise<Descriptor> {
  const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': repository }, image: { 'docker-manifest-digest': subject.digest }, type: 'cosign container image signature' }, optional: null }));
  const sig = cryptoSign('sha256', payload, createPrivateKey(privateKeyPem)).toString('base64');
  const layer = await blob(store, 'application/vnd.dev.cosign.simplesigning.v1+json', payload, { 'dev.cosignproject.cosign/signature': sig });
  const config = await blob(store, OCI_CONFIG, cosignConfig([layer]));
  const m = await manifest(store, { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] });
  if (opts.tag ?? true) await store.tag(m, `${subject.digest.replace(':', '-')}.sig`);
  return m;
}

/** `cosign save`: marks the image and its signature images in index.json with `kind` (no tags). */
export async function cosignSaveMarks(layoutDir: string, image: Descriptor, sigs: Descriptor[], atts: Descriptor[]): Promise<void> {
  const { writeFileSync } = await import('node:fs');
  const path = join(layoutDir, 'index.json');
  const index = JSON.parse(readFileSync(path, 'utf8')) as { manifests: Descriptor[] };
  const strip = (d: Descriptor) => ({ mediaType: d.mediaType, size: d.size, digest: d.digest });
  index.manifests = [
    { ...strip(image), annotations: { kind: 'dev.cosignproject.cosign/image' } },
    ...sigs.map((d) => ({ ...strip(d), annotations: { kind: 'dev.cosignproject.cosign/sigs' } })),
    ...atts.map((d) => ({ ...strip(d), annotations: { kind: 'dev.cosignproject.cosign/atts' } })),
  ];
  writeFileSync(path, JSON.stringify(index));
}

export const SIGSTORE_BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** A Sigstore bundle as an OCI referrer (cosign BUNDLE_SPEC.md; sigstore-js `attach`, actions/attest). */
export async function attachSigstoreBundle(store: Store, subject: Descriptor, bundle: Buffer, predicateType?: string): Promise<Descriptor> {
  const layer = await blob(store, SIGSTORE_BUNDLE, bundle, { 'org.opencontainers.image.title': `${digestOf(bundle).replace(':', '-')}.sigstore.json` });
  await store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES);
  const annotations = { 'dev.sigstore.bundle.content': 'dsse-envelope', ...(predicateType ? { 'dev.sigstore.bundle.predicateType': predicateType } : {}), 'org.opencontainers.image.created': '2026-01-01T00:00:00.000Z' };
  const m = await manifest(store, { mediaType: OCI_MANIFEST, schemaVersion: 2, artifactType: SIGSTORE_BUNDLE, annotations, config: EMPTY_DESCRIPTOR, layers: [layer], subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size } });
  await listAsReferrer(store, subject, m, SIGSTORE_BUNDLE, annotations);
  return m;
}

/** BuildKit's attestation manifest: one bare in-toto Statement a layer (`in-toto.io/predicate-type`). */
export async function buildkitAttestation(store: Store, statements: { predicateType: string; body: Buffer }[], form: 'old' | 'new' = 'new'): Promise<Descriptor> {
  const layers: Descriptor[] = [];
  for (const s of statements) layers.push(await blob(store, 'application/vnd.in-toto+json', s.body, { 'in-toto.io/predicate-type': s.predicateType }));
  const config = form === 'new'
    ? await blob(store, 'application/vnd.docker.attestation.config.v1+json', Buffer.from('{}'))
    : await blob(store, OCI_CONFIG, Buffer.from(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } })));
  return manifest(store, { mediaType: OCI_MANIFEST, schemaVersion: 2, config, layers });
}

/**
 * `docker buildx build --platform … --attest`: each platform image, then its attestation manifest
 * (platform `unknown/unknown`, annotated with the image it is about). `refersTo` overrides that
 * annotation, as an attacker who rewrites the index could.
 */
export async function buildxIndex(store: Store, entries: { image: Descriptor; platform: Platform; attestation?: Descriptor; refersTo?: string }[]): Promise<Descriptor> {
  const unknown: Platform = { architecture: 'unknown', os: 'unknown' };
  const manifests: unknown[] = [];
  for (const e of entries) manifests.push({ ...e.image, platform: e.platform });
  for (const e of entries) {
    if (!e.attestation) continue;
    manifests.push({ ...e.attestation, annotations: { 'vnd.docker.reference.digest': e.refersTo ?? e.image.digest, 'vnd.docker.reference.type': 'attestation-manifest' }, platform: unknown });
  }
  const idx = encodeJson(OCI_INDEX, { mediaType: OCI_INDEX, schemaVersion: 2, manifests });
  await store.push(idx.desc, idx.bytes);
  return idx.desc;
}

/** `docker buildx build --attest`: an index whose attestation manifest is about one platform manifest. */
export async function buildkitIndex(store: Store, seed: string, statements: { predicateType: string; body: Buffer }[], form: 'old' | 'new' = 'new'): Promise<{ index: Descriptor; platform: Descriptor; attestation: Descriptor }> {
  const platformImg = await buildImage(seed, { os: 'linux', architecture: 'amd64' });
  const platform = await pushImage(store, platformImg);
  const attestation = await buildkitAttestation(store, statements, form);
  const index = await buildxIndex(store, [{ image: platform, platform: { architecture: 'amd64', os: 'linux' }, attestation }]);
  return { index, platform, attestation };
}

/** `notation sign`: a JWS or COSE signature, as an OCI 1.1 artifact or in the image-manifest form. */
export async function notationSign(store: Store, subject: Descriptor, envelope: 'jws' | 'cose', form: 'artifact' | 'image'): Promise<Descriptor> {
  const bytes = ecosystemFile(envelope === 'jws' ? 'notation-jws_signature.sig' : 'notation-cose_signature.sig');
  const layer = await blob(store, envelope === 'jws' ? 'application/jose+json' : 'application/cose', bytes);
  const NOTATION = 'application/vnd.cncf.notary.signature';
  const annotations = { 'io.cncf.notary.x509chain.thumbprint#S256': '["' + 'a'.repeat(64) + '"]' };
  const subj = { mediaType: subject.mediaType, digest: subject.digest, size: subject.size };
  let m: Descriptor;
  if (form === 'artifact') {
    await store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES);
    m = await manifest(store, { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: NOTATION, config: EMPTY_DESCRIPTOR, layers: [layer], subject: subj, annotations });
  } else {
    const config = await blob(store, NOTATION, Buffer.from('{}'));
    m = await manifest(store, { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer], subject: subj, annotations });
  }
  await listAsReferrer(store, subject, m, NOTATION, annotations);
  return m;
}

/** `oras attach --artifact-type T IMAGE FILE:MEDIATYPE`. */
export async function orasAttach(store: Store, subject: Descriptor, artifactType: string, file: { name: string; mediaType: string; bytes: Buffer }): Promise<Descriptor> {
  const layer = await blob(store, file.mediaType, file.bytes, { 'org.opencontainers.image.title': file.name });
  await store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES);
  const annotations = { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' };
  const m = await manifest(store, { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType, config: EMPTY_DESCRIPTOR, layers: [layer], subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size }, annotations });
  await listAsReferrer(store, subject, m, artifactType, annotations);
  return m;
}

/** `oras push REF FILE:MEDIATYPE --artifact-type T`: an artifact of one file, about nothing. */
export async function orasPush(store: Store, artifactType: string, file: { name: string; mediaType: string; bytes: Buffer }, tag?: string): Promise<Descriptor> {
  const layer = await blob(store, file.mediaType, file.bytes, { 'org.opencontainers.image.title': file.name });
  await store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES);
  const m = await manifest(store, { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType, config: EMPTY_DESCRIPTOR, layers: [layer], annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' } });
  if (tag) await store.tag(m, tag);
  return m;
}
