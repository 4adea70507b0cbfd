import { EMPTY_BYTES, EMPTY_DESCRIPTOR, addReferrer, listReferrers, referrerDescriptor, parseManifestNode, type AddReferrerOptions, type Store } from '../oci/index.js';
import type { SignedDocument } from '../intoto/index.js';
import type { Descriptor } from '../schema/index.js';
import { buildArtifact } from './artifact.js';
import { ANNOTATION_CONTENT_DIGEST, EVIDENCE_ARTIFACT_TYPE } from './mediatypes.js';

// attach: a signed document (DSSE envelope or legacy link) pushed as a referrer of an image
// manifest. Blobs first, then the manifest by digest, then (for stores without a referrers
// API) the tag-schema index. Attaching the same document twice finds the first one instead
// of piling up duplicates (the content digest annotation makes this a listing, not a fetch).

export interface AttachOptions {
  /** The document's exact bytes, as read from its file. */
  bytes?: Buffer;
  /** Step name to record when the document does not name one (e.g. SLSA provenance of a build step). */
  step?: string;
  created?: string;
  /** Push even when the same document is already attached. */
  force?: boolean;
  referrer?: AddReferrerOptions;
}

/** The referrer's descriptor, and whether it was already there. */
export interface AttachResult {
  descriptor: Descriptor;
  existing: boolean;
}

/** Pushes `doc` as a referrer of `subject`. */
export async function attach(store: Store, subject: Descriptor, doc: SignedDocument, options: AttachOptions = {}, where?: string): Promise<AttachResult> {
  const built = buildArtifact(doc, {
    artifactType: EVIDENCE_ARTIFACT_TYPE,
    subject,
    bytes: options.bytes,
    created: options.created,
    step: options.step,
  }, where);
  if (!options.force) {
    const existing = (await listReferrers(store, subject, EVIDENCE_ARTIFACT_TYPE)).find((d) => d.annotations?.[ANNOTATION_CONTENT_DIGEST] === built.layer.desc.digest);
    if (existing) return { descriptor: existing, existing: true };
  }
  await store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES);
  await store.push(built.layer.desc, built.layer.bytes);
  await store.push(built.desc, built.bytes);
  const descriptor = referrerDescriptor(parseManifestNode(built.desc, built.bytes));
  await addReferrer(store, subject, descriptor, options.referrer);
  return { descriptor, existing: false };
}
