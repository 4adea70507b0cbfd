import { CairnError } from '../errors.js';
import { digestOf } from '../digest/index.js';
import { parseJson } from '../encoding/index.js';
import { IndexSchema, ManifestSchema, parseWith, type Descriptor, type Index, type Manifest } from '../schema/index.js';
import { fetchVerified, MAX_MANIFEST_BYTES, type ReadOnlyStore, type Store } from './store.js';
import { isIndexType, OCI_INDEX, OCI_MANIFEST } from './mediatypes.js';

// Manifests and indexes as nodes of a content graph: parse verified bytes, list children,
// and build the descriptor a referrers index lists for a manifest.

/** A parsed manifest or index, with the exact bytes it came from. */
export type ManifestNode =
  | { readonly kind: 'manifest'; readonly desc: Descriptor; readonly bytes: Buffer; readonly manifest: Manifest }
  | { readonly kind: 'index'; readonly desc: Descriptor; readonly bytes: Buffer; readonly index: Index };

/** Parses manifest or index bytes; the kind comes from the JSON (mediaType, else its shape). */
export function parseManifestNode(desc: Descriptor, bytes: Buffer, where?: string): ManifestNode {
  const json = parseJson(bytes, where ?? desc.digest) as Record<string, unknown> | null;
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new CairnError('SCHEMA_INVALID', 'manifest is not a JSON object', { where: where ?? desc.digest });
  const mt = typeof json['mediaType'] === 'string' ? json['mediaType'] : desc.mediaType;
  if (isIndexType(mt) || (!json['config'] && Array.isArray(json['manifests']))) {
    return { kind: 'index', desc, bytes, index: parseWith(IndexSchema, json, where ?? desc.digest) };
  }
  return { kind: 'manifest', desc, bytes, manifest: parseWith(ManifestSchema, json, where ?? desc.digest) };
}

/** Fetches (size-capped, digest-checked) and parses a manifest or index. */
export async function fetchManifestNode(store: ReadOnlyStore, desc: Descriptor): Promise<ManifestNode> {
  const bytes = await fetchVerified(store, desc, MAX_MANIFEST_BYTES, `${store.location}@${desc.digest}`);
  return parseManifestNode(desc, bytes, `${store.location}@${desc.digest}`);
}

/** The content a node points at: config and layers, or the index's manifests. */
export function childrenOf(node: ManifestNode): Descriptor[] {
  return node.kind === 'index' ? node.index.manifests : [node.manifest.config, ...node.manifest.layers];
}

/** The subject a node refers to, if it is a referrer. */
export function subjectOf(node: ManifestNode): Descriptor | undefined {
  return node.kind === 'index' ? node.index.subject : node.manifest.subject;
}

/**
 * The descriptor of a referrer as a referrers index lists it: artifactType (falling back to the
 * config media type) and the manifest's annotations. Spec: distribution-spec spec.md#listing-referrers
 */
export function referrerDescriptor(node: ManifestNode): Descriptor {
  const body = node.kind === 'index' ? node.index : node.manifest;
  const artifactType = body.artifactType ?? (node.kind === 'manifest' ? node.manifest.config.mediaType : undefined);
  return {
    mediaType: node.desc.mediaType,
    digest: node.desc.digest,
    size: node.desc.size,
    ...(artifactType ? { artifactType } : {}),
    ...(body.annotations ? { annotations: body.annotations } : {}),
  };
}

/** Serialises a document and returns it with its descriptor (digest over the exact bytes). */
export function encodeJson(mediaType: string, value: unknown, extra: Partial<Descriptor> = {}): { desc: Descriptor; bytes: Buffer } {
  const bytes = Buffer.from(JSON.stringify(value), 'utf8');
  return { desc: { mediaType, digest: digestOf(bytes), size: bytes.length, ...extra }, bytes };
}

/** Builds an OCI image index document. */
export function makeIndex(manifests: Descriptor[], annotations?: Record<string, string>): Index {
  return { schemaVersion: 2, mediaType: OCI_INDEX, manifests, ...(annotations ? { annotations } : {}) };
}

/** Pushes a JSON document (blob, manifest or index) and returns its descriptor. */
export async function pushJson(store: Store, mediaType: string, value: unknown): Promise<Descriptor> {
  const { desc, bytes } = encodeJson(mediaType, value);
  if (bytes.length > MAX_MANIFEST_BYTES && (mediaType === OCI_MANIFEST || mediaType === OCI_INDEX)) {
    throw new CairnError('TOO_LARGE', `manifest of ${bytes.length} bytes is larger than the limit of ${MAX_MANIFEST_BYTES}`, { where: store.location });
  }
  await store.push(desc, bytes);
  return desc;
}
