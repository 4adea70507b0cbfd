import { EMPTY_BYTES, EMPTY_DESCRIPTOR, isReferrerLister, isUploadPreparer, listReferrers, pushReferrer, referrerDescriptor, parseManifestNode, type AddReferrerOptions, type Store } from '../oci/index.js';
import type { SignedDocument } from '../intoto/index.js';
import type { Descriptor } from '../schema/index.js';
import { buildArtifact } from './artifact.js';
import { ANNOTATION_CONTENT_DIGEST, EVIDENCE_ARTIFACT_TYPE } from './mediatypes.js';

// attach: a signed document (DSSE envelope or legacy link) pushed as a referrer of an image
// manifest. Blobs first, then the manifest, then (for stores without a referrers API) the
// tag-schema index. Attaching the same document twice finds the first one instead of piling up
// duplicates (the content digest annotation makes this a listing, not a fetch). What does not
// depend on another answer is asked at once: the listing, the config and the layer uploads.

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

const prepared = new WeakMap<Store, Promise<void>>();

/**
 * What every attach to `store` needs before knowing its subject: the empty config blob (asked
 * once per store) and whether the store lists referrers itself. Commands call it while they
 * resolve the subject, so that these requests overlap.
 */
export function prepareAttach(store: Store): Promise<void> {
  let ready = prepared.get(store);
  if (!ready) {
    const native = isReferrerLister(store) ? store.listsReferrers?.() : undefined;
    // the session for the document's layer, opened while the subject resolves and the document is signed
    if (isUploadPreparer(store)) store.prepareUpload();
    const config = store.exists(EMPTY_DESCRIPTOR).then((have) => (have ? undefined : store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES)));
    ready = Promise.all([native, config]).then(() => undefined);
    prepared.set(store, ready);
  }
  return ready;
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
  const found = options.force ? undefined : listReferrers(store, subject, EVIDENCE_ARTIFACT_TYPE).then((list) => list.find((d) => d.annotations?.[ANNOTATION_CONTENT_DIGEST] === built.layer.desc.digest));
  // a layer pushed for a document that turns out to be attached already is that document's own layer
  const [existing] = await Promise.all([found, prepareAttach(store), store.push(built.layer.desc, built.layer.bytes)]);
  if (existing) return { descriptor: existing, existing: true };
  const descriptor = referrerDescriptor(parseManifestNode(built.desc, built.bytes));
  await pushReferrer(store, subject, descriptor, built.bytes, options.referrer);
  return { descriptor, existing: false };
}
