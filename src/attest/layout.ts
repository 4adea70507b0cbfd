import { CairnError } from '../errors.js';
import { EMPTY_BYTES, EMPTY_DESCRIPTOR, fetchManifestNode, fetchVerified, type ReadOnlyStore, type Store } from '../oci/index.js';
import { interpretPayload, readSignedDocument, verifyDocument, type SignedDocument } from '../intoto/index.js';
import type { Descriptor } from '../schema/index.js';
import { buildArtifact } from './artifact.js';
import { ANNOTATION_TITLE, DSSE_ENVELOPE_MEDIA_TYPE, LAYOUT_ARTIFACT_TYPE, LAYOUT_METABLOCK_MEDIA_TYPE, MAX_EVIDENCE_BYTES } from './mediatypes.js';

// Signed layouts in a registry: `layout push` stores one as an artifact of its own type
// (no subject), tagged, and reports the digest to pin; `layout pull` reads it back by tag or
// digest, checking every byte against the digests on the way.

/** Pushes a signed layout and tags it; returns the manifest descriptor (the digest to pin). */
export async function pushLayout(store: Store, doc: SignedDocument, bytes: Buffer, tag: string | undefined, title?: string, where?: string): Promise<Descriptor> {
  const body = interpretPayload(verifyDocument(doc, [], where).body, where);
  if (body.kind !== 'layout') throw new CairnError('SCHEMA_INVALID', `expected a signed layout, found a ${body.kind}`, { where });
  const built = buildArtifact(doc, { artifactType: LAYOUT_ARTIFACT_TYPE, bytes, annotations: title ? { [ANNOTATION_TITLE]: title } : {} }, where);
  await store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES);
  await store.push(built.layer.desc, built.layer.bytes);
  await store.push(built.desc, built.bytes);
  if (tag) await store.tag(built.desc, tag);
  return { mediaType: built.desc.mediaType, digest: built.desc.digest, size: built.desc.size };
}

/** A pulled layout: its exact bytes (as pushed) and the parsed signed document. */
export interface PulledLayout {
  bytes: Buffer;
  document: SignedDocument;
  manifest: Descriptor;
  title?: string;
}

/** Reads the layout artifact a manifest descriptor names (resolve the tag first). */
export async function pullLayout(store: ReadOnlyStore, desc: Descriptor): Promise<PulledLayout> {
  const where = `${store.location}@${desc.digest}`;
  const node = await fetchManifestNode(store, desc);
  if (node.kind !== 'manifest' || node.manifest.artifactType !== LAYOUT_ARTIFACT_TYPE) {
    throw new CairnError('SCHEMA_INVALID', `not a Cairn layout artifact (artifactType ${LAYOUT_ARTIFACT_TYPE})`, { where });
  }
  const layer = node.manifest.layers[0];
  if (node.manifest.layers.length !== 1 || !layer || ![DSSE_ENVELOPE_MEDIA_TYPE, LAYOUT_METABLOCK_MEDIA_TYPE].includes(layer.mediaType)) {
    throw new CairnError('SCHEMA_INVALID', 'a layout artifact has exactly one layer, a DSSE envelope or a layout Metablock', { where });
  }
  const bytes = await fetchVerified(store, layer, MAX_EVIDENCE_BYTES, `${where}: layer`);
  const document = readSignedDocument(bytes, `${where}: layer`);
  const body = interpretPayload(verifyDocument(document, [], where).body, where);
  if (body.kind !== 'layout') throw new CairnError('SCHEMA_INVALID', `the layer holds a ${body.kind}, not a layout`, { where });
  return { bytes, document, manifest: desc, title: node.manifest.annotations?.[ANNOTATION_TITLE] };
}
