import { CairnError } from '../errors.js';
import { digestOf } from '../digest/index.js';
import { EMPTY_DESCRIPTOR, encodeJson, MAX_MANIFEST_BYTES, OCI_MANIFEST } from '../oci/index.js';
import { interpretPayload, serializeDocument, verifyDocument, type SignedDocument } from '../intoto/index.js';
import type { Descriptor, Manifest } from '../schema/index.js';
import * as mt from './mediatypes.js';

// Spec: https://github.com/opencontainers/image-spec/blob/main/manifest.md#guidelines-for-artifact-usage
// A signed document as an OCI artifact: an image manifest with artifactType, the empty config,
// one layer holding the document's bytes, the subject, and annotations that say what it is.

/** An artifact ready to push: the manifest, its bytes and descriptor, and the layer. */
export interface BuiltArtifact {
  manifest: Manifest;
  desc: Descriptor;
  bytes: Buffer;
  layer: { desc: Descriptor; bytes: Buffer };
}

/** What the annotations say about a signed document, read without checking signatures. */
export interface DocumentFacts {
  kind: 'statement' | 'link' | 'layout';
  predicateType?: string;
  step?: string;
  keyIds: string[];
}

/** Reads the hints for annotations from a document (signatures are checked by verify, not here). */
export function documentFacts(doc: SignedDocument, where?: string): DocumentFacts {
  const payload = interpretPayload(verifyDocument(doc, [], where).body, where);
  const sigs = doc.format === 'dsse' ? doc.envelope.signatures : doc.metablock.signatures;
  const keyIds = [...new Set(sigs.map((s) => s.keyid).filter((k): k is string => typeof k === 'string' && k !== ''))];
  if (payload.kind === 'layout') return { kind: 'layout', keyIds };
  if (payload.kind === 'link') return { kind: payload.statement ? 'statement' : 'link', predicateType: payload.statement?.predicateType, step: payload.link.name, keyIds };
  return { kind: 'statement', predicateType: payload.statement.predicateType, keyIds };
}

export interface ArtifactOptions {
  artifactType: string;
  subject?: Descriptor;
  /** Overrides or adds annotations. */
  annotations?: Record<string, string>;
  /** The document's exact bytes (as read from a file); default: its serialisation. */
  bytes?: Buffer;
  /** Creation time (RFC 3339); default now. */
  created?: string;
  /** The step the evidence is for, when the document names none (a link names its own). */
  step?: string;
}

/** The layer media type of a document: DSSE envelope, or the legacy Metablock type of its body. */
export function layerMediaType(doc: SignedDocument, facts: DocumentFacts): string {
  if (doc.format === 'dsse') return mt.DSSE_ENVELOPE_MEDIA_TYPE;
  return facts.kind === 'layout' ? mt.LAYOUT_METABLOCK_MEDIA_TYPE : mt.LINK_METABLOCK_MEDIA_TYPE;
}

/** Builds the artifact manifest for a signed document. */
export function buildArtifact(doc: SignedDocument, options: ArtifactOptions, where?: string): BuiltArtifact {
  const facts = documentFacts(doc, where);
  if (options.step && facts.step && options.step !== facts.step) {
    throw new CairnError('INVALID_ARGUMENT', `step ${options.step} was asked for a link of step ${facts.step}`, { where, details: { reason: 'step-mismatch', step: facts.step } });
  }
  const step = facts.step ?? options.step;
  const layerBytes = options.bytes ?? Buffer.from(serializeDocument(doc), 'utf8');
  const layerDesc: Descriptor = { mediaType: layerMediaType(doc, facts), digest: digestOf(layerBytes), size: layerBytes.length };
  const annotations: Record<string, string> = {
    [mt.ANNOTATION_CREATED]: options.created ?? new Date().toISOString().replace(/\.[0-9]+Z$/, 'Z'),
    [mt.ANNOTATION_FORMAT]: doc.format === 'dsse' ? 'dsse' : 'metablock',
    [mt.ANNOTATION_KIND]: facts.kind,
    [mt.ANNOTATION_CONTENT_DIGEST]: layerDesc.digest,
    ...(facts.predicateType ? { [mt.ANNOTATION_PREDICATE_TYPE]: facts.predicateType } : {}),
    ...(step ? { [mt.ANNOTATION_STEP]: step } : {}),
    ...(facts.keyIds.length ? { [mt.ANNOTATION_KEYIDS]: facts.keyIds.join(',') } : {}),
    ...options.annotations,
  };
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: options.artifactType,
    config: EMPTY_DESCRIPTOR,
    layers: [layerDesc],
    ...(options.subject ? { subject: { mediaType: options.subject.mediaType, digest: options.subject.digest, size: options.subject.size } } : {}),
    annotations,
  };
  const { desc, bytes } = encodeJson(OCI_MANIFEST, manifest);
  if (bytes.length > MAX_MANIFEST_BYTES) throw new CairnError('TOO_LARGE', 'artifact manifest larger than 4 MiB (too many annotations?)', { where });
  return { manifest, desc: { ...desc, artifactType: options.artifactType }, bytes, layer: { desc: layerDesc, bytes: layerBytes } };
}
