import { CairnError, isCairnError } from '../errors.js';
import { digestOf } from '../digest/index.js';
import { parseEnvelope } from '../dsse/index.js';
import {
  EMPTY_BYTES,
  EMPTY_DESCRIPTOR,
  encodeJson,
  fetchManifestNode,
  fetchVerified,
  isTagLister,
  OCI_MANIFEST,
  type ReadOnlyStore,
  type Store,
} from '../oci/index.js';
import type { Descriptor, Envelope, Manifest } from '../schema/index.js';
import { TRUST_ROOT_PAYLOAD_TYPE, type StoredRoot, type TrustChainSource } from '../trust/index.js';
import { ANNOTATION_CREATED, DSSE_ENVELOPE_MEDIA_TYPE, MAX_EVIDENCE_BYTES } from './mediatypes.js';

// Trust roots in a registry (or an OCI layout dir): each version is an artifact of its own type
// holding the signed envelope, tagged `root.<version>` in the repository. Verifiers pin one
// version by digest and walk the tags upwards; the tags are only a way to find candidates,
// every version found is checked against the signatures of the one before (src/trust).

/** artifactType of a trust-root version. */
export const TRUST_ROOT_ARTIFACT_TYPE = 'application/vnd.cairn.trust-root.v1+json';
/** Annotation carrying the version number (a hint; the signed payload is the truth). */
export const ANNOTATION_ROOT_VERSION = 'dev.cairn.trust-root.version';

/** The tag of a version: `root.<version>`. */
export function rootTag(version: number): string {
  return `root.${version}`;
}

/** Pushes one signed version and tags it `root.<version>`; returns the manifest descriptor. */
export async function pushTrustRoot(store: Store, envelope: Envelope, bytes: Buffer, version: number): Promise<Descriptor> {
  if (envelope.payloadType !== TRUST_ROOT_PAYLOAD_TYPE) throw new CairnError('SCHEMA_INVALID', `not a trust root (payloadType ${envelope.payloadType})`);
  const layer: Descriptor = { mediaType: DSSE_ENVELOPE_MEDIA_TYPE, digest: digestOf(bytes), size: bytes.length };
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: TRUST_ROOT_ARTIFACT_TYPE,
    config: EMPTY_DESCRIPTOR,
    layers: [layer],
    annotations: { [ANNOTATION_ROOT_VERSION]: String(version), [ANNOTATION_CREATED]: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') },
  };
  const encoded = encodeJson(OCI_MANIFEST, manifest);
  await store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES);
  await store.push(layer, bytes);
  await store.push(encoded.desc, encoded.bytes);
  await store.tag(encoded.desc, rootTag(version));
  return encoded.desc;
}

/** Reads the trust-root version a manifest descriptor names (digest-checked). */
export async function readTrustRoot(store: ReadOnlyStore, desc: Descriptor): Promise<StoredRoot> {
  const where = `${store.location}@${desc.digest}`;
  const node = await fetchManifestNode(store, desc);
  const layer = node.kind === 'manifest' ? node.manifest.layers[0] : undefined;
  if (node.kind !== 'manifest' || node.manifest.artifactType !== TRUST_ROOT_ARTIFACT_TYPE || !layer || layer.mediaType !== DSSE_ENVELOPE_MEDIA_TYPE) {
    throw new CairnError('TRUST_ROOT_INVALID', `not a Cairn trust root artifact (artifactType ${TRUST_ROOT_ARTIFACT_TYPE})`, { where });
  }
  const bytes = await fetchVerified(store, layer, MAX_EVIDENCE_BYTES, `${where}: layer`);
  return { envelope: parseEnvelope(bytes, `${where}: layer`), digest: desc.digest };
}

/** The versions stored in a repository, found by their `root.<n>` tags. */
export function storeTrustChain(store: ReadOnlyStore): TrustChainSource {
  return {
    async fetchVersion(version) {
      let desc: Descriptor;
      try {
        desc = await store.resolve(rootTag(version));
      } catch (err) {
        if (isCairnError(err, 'NOT_FOUND')) return undefined;
        throw err;
      }
      return readTrustRoot(store, desc);
    },
    async listVersions() {
      if (!isTagLister(store)) return [];
      return (await store.tags()).flatMap((t) => {
        const m = /^root\.([1-9][0-9]{0,8})$/.exec(t);
        return m ? [Number(m[1])] : [];
      });
    },
  };
}
