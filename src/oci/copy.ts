import { Transform, type TransformCallback } from 'node:stream';
import type { Descriptor } from '../schema/index.js';
import { isBlobMounter, isReferrerLister, isReferrerRecorder, isTagLister, type ReadOnlyStore, type ReferrerLister, type Store } from './store.js';
import { mapLimit } from '../threads/index.js';
import { isManifestType } from './mediatypes.js';
import { fetchManifestNode, referrerDescriptor, subjectOf } from './manifest.js';
import { childrenToCopy, type Omission } from './omissions.js';
import { readReferrersIndex, referrersReader } from './referrers.js';
import { addReferrers, pushReferrerManifest, type AddReferrerOptions } from './referrers-write.js';

// Copies a content graph between any two stores (oras-go's Copy): an image, every platform of
// an index, and with `referrers` every referrer of every node, recursively. Children are
// pushed before their parents, subjects before their referrers, so a registry never sees a
// manifest whose blobs are missing. Every byte read is size- and digest-checked. Out of an OCI
// layout, what a layout may lack (foreign layers, other platforms) is reported, not fatal.

/** Progress of a copy, for the CLI's progress bar. */
export type CopyEvent =
  | { readonly kind: 'blob'; readonly desc: Descriptor }
  | { readonly kind: 'bytes'; readonly n: number }
  | { readonly kind: 'skip'; readonly desc: Descriptor }
  | { readonly kind: 'omitted'; readonly omission: Omission };

export interface CopyOptions {
  /** Also copy referrers (attestations, signatures), recursively. */
  referrers?: boolean;
  /** How many blobs move at once (default 4). */
  concurrency?: number;
  onEvent?: (e: CopyEvent) => void;
  referrerOptions?: AddReferrerOptions;
}

/** What a copy did. */
export interface CopyResult {
  manifests: number;
  blobs: number;
  skipped: number;
  bytes: number;
  referrers: number;
  /** What the source (an OCI layout) lacks and may lack, so was not copied (omissions.ts). */
  omitted: Omission[];
}

/** Copies `root` and everything below it from `src` to `dst`. */
export async function copyGraph(src: ReadOnlyStore, dst: Store, root: Descriptor, options: CopyOptions = {}): Promise<CopyResult> {
  const result: CopyResult = { manifests: 0, blobs: 0, skipped: 0, bytes: 0, referrers: 0, omitted: [] };
  // Referrer entries as their own manifests describe them (annotations and all).
  const entries = new Map<string, Descriptor>();
  const emit = options.onEvent ?? (() => undefined);
  // The source is only read: on the tag fallback its tags are listed once for every subject,
  // not twice per referrer (an image with 20 attestations cost 40 more requests).
  const referrersOf = referrersReader(src);
  // Referrers pushed together with their unique tag: referrer digest -> the subject's digest.
  const taggedUnder = new Map<string, string>();

  // One HEAD per blob (push is told the blob is absent), and one SHA-256 pass: the raw source
  // stream goes to dst.push, which checks size and digest as it reads and makes nothing
  // visible (no committed upload, no renamed file) unless both match (Store.push).
  const copyBlob = async (desc: Descriptor): Promise<void> => {
    if (await dst.exists(desc)) {
      result.skipped++;
      emit({ kind: 'skip', desc });
      return;
    }
    emit({ kind: 'blob', desc });
    if (isBlobMounter(dst) && (await dst.mount(desc, src))) {
      result.blobs++;
      emit({ kind: 'bytes', n: desc.size });
      return;
    }
    const stream = await src.fetch(desc);
    const counted = counter((n) => {
      result.bytes += n;
      emit({ kind: 'bytes', n });
    });
    stream.on('error', (err) => counted.destroy(err));
    counted.on('close', () => stream.destroy());
    await dst.push(desc, stream.pipe(counted), { absent: true });
    result.blobs++;
  };

  // Two kinds of waiting. `stored`: a node is at the destination (a manifest once its children
  // are): what a parent waits for before its own push, and a subject before it lists its
  // referrers. `copyNode`: the node and, with referrers, its referrers and its children's; that
  // work is started beside and tracked, and copyGraph waits for all of it at the end. Nothing
  // waits for another node's referrers: a referrer may name its own subject among its children
  // (or an index above it), and waiting for a child's whole copy made the subject wait for its
  // referrer and the referrer for its subject, for good. `stored` waits follow children only,
  // and a manifest's digest covers its children's, so they cannot go round in a circle.
  const stored = new Map<string, Promise<Descriptor[]>>();
  const copied = new Set<string>();
  const tracked: Promise<void>[] = [];
  const failures: unknown[] = [];
  const track = (p: Promise<void>): void => {
    tracked.push(p.catch((err: unknown) => void failures.push(err)));
  };

  // Stores a node (a manifest after its children); resolves to a manifest's children.
  const store = (desc: Descriptor): Promise<Descriptor[]> => {
    let p = stored.get(desc.digest);
    if (!p) {
      p = isManifestType(desc.mediaType) ? storeManifest(desc) : copyBlob(desc).then(() => []);
      stored.set(desc.digest, p);
    }
    return p;
  };

  const storeManifest = async (desc: Descriptor): Promise<Descriptor[]> => {
    const node = await fetchManifestNode(src, desc);
    const omittedBefore = result.omitted.length;
    const children = await childrenToCopy(src, node, result.omitted);
    for (const omission of result.omitted.slice(omittedBefore)) emit({ kind: 'omitted', omission });
    await mapLimit(children, options.concurrency ?? 4, store);
    const subject = subjectOf(node);
    if (await dst.exists(desc)) result.skipped++;
    else {
      // a referrer goes up once, by its unique tag, not by digest and then again by the tag
      if (!subject || !(options.referrers || desc.digest === root.digest)) await dst.push(desc, node.bytes);
      else if (await pushReferrerManifest(dst, subject, desc, node.bytes, options.referrerOptions)) taggedUnder.set(desc.digest, subject.digest);
      result.manifests++;
    }
    if (subject) entries.set(desc.digest, referrerDescriptor(node));
    return children;
  };

  // A node and, with referrers, the referrers of it and of its children (once per node).
  const copyNode = async (desc: Descriptor): Promise<void> => {
    if (copied.has(desc.digest)) return;
    copied.add(desc.digest);
    if (!options.referrers || !isManifestType(desc.mediaType)) {
      await store(desc);
      return;
    }
    // Into an OCI layout the referrers move while the subject's own children do: their
    // manifests are stored unlisted and listed (recordReferrers) only once the subject is in,
    // so the small requests fill the time the big layers' flushes wait on the disk. Elsewhere
    // subjects go first: a registry indexes a referrer as soon as it has its manifest.
    const early = isReferrerRecorder(dst) ? copyReferrers(desc) : undefined;
    early?.catch(() => undefined); // awaited below; a failure meanwhile is not unhandled
    let children: Descriptor[];
    try {
      children = await store(desc);
    } catch (err) {
      await early?.catch(() => undefined);
      throw err;
    }
    for (const child of children) if (isManifestType(child.mediaType)) track(copyNode(child));
    const found = await (early ?? copyReferrers(desc));
    await copyCosignTags(desc);
    // One index update per subject, not one per referrer.
    const tagged = new Set(found.filter((r) => taggedUnder.get(r.digest) === desc.digest).map((r) => r.digest));
    await addReferrers(dst, desc, found.map((r) => entries.get(r.digest) ?? r), options.referrerOptions, tagged);
    result.referrers += found.length;
  };

  // Stores the referrers of `desc` and starts copying theirs; returns them, for addReferrers.
  const copyReferrers = async (desc: Descriptor): Promise<Descriptor[]> => {
    const found = await referrersOf(desc);
    // An OCI layout (or a registry with the API) may still hold a fallback index written by
    // another tool (oras copy, sigstore-js): its referrers are carried too. On the tag
    // fallback referrersOf has read that index already.
    if (isReferrerLister(src) && (await hasOwnListing(src))) {
      const seen = new Set(found.map((f) => f.digest));
      for (const d of (await readReferrersIndex(src, desc)).index.manifests) if (!seen.has(d.digest)) (seen.add(d.digest), found.push(d));
    }
    await mapLimit(found, options.concurrency ?? 4, store);
    for (const r of found) track(copyNode(r));
    return found;
  };

  // cosign keeps signatures and attestations under tags, not as referrers:
  // `sha256-<hex>.sig` and `.att` (specs/SIGNATURE_SPEC.md); the same tags are written at the destination.
  let srcTags: Promise<Set<string>> | undefined;
  const copyCosignTags = async (desc: Descriptor): Promise<void> => {
    if (!isTagLister(src)) return;
    const tags = await (srcTags ??= src.tags().then((t) => new Set(t)));
    for (const suffix of ['sig', 'att']) {
      const tag = `${desc.digest.replace(':', '-')}.${suffix}`;
      if (!tags.has(tag)) continue;
      const tagged = await src.resolve(tag);
      await store(tagged);
      track(copyNode(tagged));
      await dst.tag(tagged, tag);
      result.referrers++;
    }
  };

  track(copyNode(root));
  // until nothing started is still running (each task may start others); a failure is thrown
  // once everything has settled, so that nothing is still writing when the copy returns
  for (let settled = 0; settled < tracked.length; ) {
    const batch = tracked.slice(settled);
    settled = tracked.length;
    await Promise.all(batch);
  }
  if (failures.length > 0) throw failures[0];
  const rootSubject = entries.has(root.digest) ? (await fetchManifestNode(src, root)) : undefined;
  const subject = rootSubject && subjectOf(rootSubject);
  if (subject) {
    // Copying a referrer on its own: record it under its subject at the destination too.
    await addReferrers(dst, subject, [entries.get(root.digest) as Descriptor], options.referrerOptions, new Set(taggedUnder.get(root.digest) === subject.digest ? [root.digest] : []));
    result.referrers++;
  }
  return result;
}

// A store that lists referrers itself (an OCI layout, a registry with the API): a fallback index
// there is another tool's, not what the listing was built from.
async function hasOwnListing(src: ReferrerLister): Promise<boolean> {
  return src.listsReferrers ? src.listsReferrers() : true;
}

function counter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
}
