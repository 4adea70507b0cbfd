import { Readable } from 'node:stream';
import { readVerified, VerifyingStream, type Digest } from '../digest/index.js';
import type { Descriptor } from '../schema/index.js';

// The store contract (oras-go's Target, cut to what Cairn needs): one small interface that a
// remote registry, an OCI image-layout directory and an in-memory store all implement, so that
// copy, referrers, attest and verify are written once. Content is addressed by descriptor;
// `resolve` is the only call that looks at a tag, and commands call it once, at the start.

/** Reads content by descriptor and resolves references. */
export interface ReadOnlyStore {
  /** Where the store is, for messages: `host/repo` or `oci:/dir`. */
  readonly location: string;
  /** The raw bytes of a blob or manifest. Callers read through fetchVerified/openVerified. */
  fetch(desc: Descriptor): Promise<Readable>;
  /** Whether the content is present. */
  exists(desc: Descriptor): Promise<boolean>;
  /** A tag or digest (as text) to the descriptor of the manifest it names. */
  resolve(reference: string): Promise<Descriptor>;
}

/** A store that can also be written. */
export interface Store extends ReadOnlyStore {
  /**
   * Stores content; implementations verify it against `desc` (size cap and digest, as it is
   * read) before it becomes visible, so a caller may hand over a source's raw stream (copy).
   */
  push(desc: Descriptor, content: Readable | Uint8Array, options?: PushOptions): Promise<void>;
  /** Points a tag at a manifest that is already in the store. */
  tag(desc: Descriptor, tag: string): Promise<void>;
}

/** What a caller of push already knows. */
export interface PushOptions {
  /** The caller has just found the content absent (copy asked exists()): the store need not ask again. */
  absent?: boolean;
  /**
   * A referrer manifest that the caller lists afterwards with the other referrers of its
   * subject, in one ReferrerRecorder.recordReferrers: a store that keeps its list of referrers
   * in one file (an OCI layout's index.json) stores the manifest now and lists it then.
   */
  unlisted?: boolean;
}

/**
 * Optional power of a store that lists referrers in one file of its own (an OCI layout's
 * index.json, rewritten and flushed under a lock for each change): referrer manifests pushed
 * `unlisted` are listed together, in one write per subject (copy of 20 referrers: 1 write, not 20).
 */
export interface ReferrerRecorder {
  /** Lists these referrers of `subject`, each already stored whole; those listed already are left as they are. */
  recordReferrers(subject: Descriptor, referrers: Descriptor[]): Promise<void>;
}

/** True when a store records referrers itself in one write (see ReferrerRecorder). */
export function isReferrerRecorder(store: unknown): store is ReferrerRecorder {
  return typeof (store as Partial<ReferrerRecorder>)?.recordReferrers === 'function';
}

/**
 * Optional power: list the manifests whose `subject` is the given manifest. `null` means the
 * store has no native way (a registry without the referrers API): use the tag schema instead.
 */
export interface ReferrerLister {
  referrers(subject: Descriptor, artifactType?: string, filter?: ReferrerFilter): Promise<Descriptor[] | null>;
  /** Whether `referrers` lists natively, known without listing anything (a registry's probe). */
  listsReferrers?(): Promise<boolean>;
}

/**
 * Which listed referrers are wanted, judged from the listing alone (artifactType, annotations),
 * and how many at most: a store that lists in pages applies it page by page, so that a flood of
 * referrers nobody asked for costs neither memory nor the limit (listReferrers applies it too).
 */
export interface ReferrerFilter {
  select?: (d: Descriptor) => boolean;
  /** Most referrers kept, after `select`; more is TOO_LARGE (default MAX_REFERRERS). */
  max?: number;
}

/** True when a store may list referrers itself. */
export function isReferrerLister(store: unknown): store is ReferrerLister {
  return typeof (store as Partial<ReferrerLister>)?.referrers === 'function';
}

/** Optional power: the tags of the repository (or layout), for repairs and the referrer tags. */
export interface TagLister {
  tags(): Promise<string[]>;
}

/** True when a store can list its tags. */
export function isTagLister(store: unknown): store is TagLister {
  return typeof (store as Partial<TagLister>)?.tags === 'function';
}

/**
 * Optional power: store a manifest and point tags at it in one step. A registry stores it with
 * the PUT of its first tag (a PUT by tag stores the manifest by digest too) and sends the other
 * tags' PUTs at once, saving round trips.
 */
export interface TaggedPusher {
  pushTagged(desc: Descriptor, bytes: Uint8Array, tags: string[]): Promise<void>;
}

/**
 * Optional power: open an upload session before the bytes are known (a registry's POST), so
 * that the next blob push needs one request fewer on its path. Unused, it is closed with the store.
 */
export interface UploadPreparer {
  prepareUpload(): void;
}

/** True when a store can open an upload session ahead. */
export function isUploadPreparer(store: unknown): store is UploadPreparer {
  return typeof (store as Partial<UploadPreparer>)?.prepareUpload === 'function';
}

/** Pushes a manifest held in memory and tags it: at once when the store can, else push then tag. */
export async function pushAndTag(store: Store, desc: Descriptor, bytes: Uint8Array, tags: string[]): Promise<void> {
  if (typeof (store as Partial<TaggedPusher>).pushTagged === 'function') return (store as Store & TaggedPusher).pushTagged(desc, bytes, tags);
  await store.push(desc, bytes);
  for (const tag of tags) await store.tag(desc, tag);
}

/** Optional power: make a blob appear without moving its bytes (cross-repository mount). */
export interface BlobMounter {
  /** True when the blob was mounted from `source`; false when that is not possible. */
  mount(desc: Descriptor, source: ReadOnlyStore): Promise<boolean>;
}

/** True when a store can mount blobs. */
export function isBlobMounter(store: unknown): store is BlobMounter {
  return typeof (store as Partial<BlobMounter>)?.mount === 'function';
}

/** Largest manifest or index Cairn reads or writes (oras-go MaxMetadataBytes, registry 2.8.2's limit). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Most referrers Cairn reads for one subject (API pages or the fallback index, with its tags). */
export const MAX_REFERRERS = 10_000;

/** Reads a whole blob or manifest, checking size and digest while reading, with a byte cap. */
// The source is destroyed once its reader is done or gone: a registry body left half-read would
// hold its connection (and the client's close) forever.
export async function fetchVerified(store: ReadOnlyStore, desc: Descriptor, maxBytes: number, where?: string): Promise<Buffer> {
  const stream = await store.fetch(desc);
  try {
    return await readVerified(stream, { digest: desc.digest as Digest, size: desc.size, maxBytes, where: where ?? desc.digest });
  } finally {
    stream.destroy();
  }
}

/** A stream of a blob that fails (instead of ending) on a wrong size or digest; destroying it releases the source. */
export async function openVerified(store: ReadOnlyStore, desc: Descriptor, maxBytes?: number): Promise<Readable> {
  const raw = await store.fetch(desc);
  let verifier: VerifyingStream;
  try {
    verifier = new VerifyingStream({ digest: desc.digest as Digest, size: desc.size, maxBytes, where: desc.digest });
  } catch (err) {
    raw.destroy();
    throw err;
  }
  raw.on('error', (err) => verifier.destroy(err));
  verifier.on('close', () => raw.destroy());
  return raw.pipe(verifier);
}

/** Wraps bytes as a stream for push. */
export function bytesStream(data: Uint8Array): Readable {
  return Readable.from([Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}
