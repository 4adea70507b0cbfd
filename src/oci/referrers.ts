import { CairnError, isCairnError } from '../errors.js';
import { digestHex, type Digest } from '../digest/index.js';
import { mapLimit } from '../threads/index.js';
import type { Descriptor, Index } from '../schema/index.js';
import { isReferrerLister, isTagLister, MAX_REFERRERS, type ReadOnlyStore } from './store.js';
import { isIndexType } from './mediatypes.js';
import { fetchManifestNode, makeIndex, referrerDescriptor, subjectOf } from './manifest.js';

// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#referrers-tag-schema
// Reading referrers of a manifest: from the store itself when it can list them (OCI layout, a
// registry with the referrers API), otherwise from the tag schema: an image index tagged
// `sha256-<hex>` listing them, completed by the per-referrer tags. Writing them is in
// referrers-write.ts (addReferrer; see docs/registry.md for the concurrency argument).

/** The fallback tag of a subject: `<alg>-<hex>`. */
export function referrersTag(subject: Digest): string {
  return `sha256-${digestHex(subject)}`;
}

/** The unique tag Cairn gives each referrer it pushes to a registry without the API (see addReferrer). */
export function referrerTag(subject: Digest, referrer: Digest): string {
  return `${referrersTag(subject)}.${digestHex(referrer).slice(0, 32)}.ref`;
}

/**
 * Reads the fallback index; an absent tag (or one that is not an index other than the subject)
 * is empty. More than `max` entries is TOO_LARGE (a filtered listing counts after filtering:
 * the index itself is capped at 4 MiB).
 */
export async function readReferrersIndex(store: ReadOnlyStore, subject: Descriptor, max = MAX_REFERRERS): Promise<{ index: Index; digest?: string }> {
  let desc: Descriptor;
  try {
    desc = await store.resolve(referrersTag(subject.digest as Digest));
  } catch (err) {
    if (isCairnError(err, 'NOT_FOUND')) return { index: makeIndex([]) };
    throw err;
  }
  // GitLab answers the fallback tag with the subject itself (oras#2148): that is no index.
  if (!isIndexType(desc.mediaType) || desc.digest === subject.digest) return { index: makeIndex([]) };
  const node = await fetchManifestNode(store, desc);
  if (node.kind !== 'index') return { index: makeIndex([]) };
  if (node.index.manifests.length > max) throw tooMany(store, subject, max);
  return { index: node.index, digest: desc.digest };
}

function tooMany(store: ReadOnlyStore, subject: Descriptor, max = MAX_REFERRERS, candidates = false): CairnError {
  return new CairnError('TOO_LARGE', `more than ${max} ${candidates ? 'candidate ' : ''}referrers of ${subject.digest}`, { where: store.location });
}

export interface ListOptions {
  /** On the fallback, also read the per-referrer tags (default true): see addReferrer. */
  fromTags?: boolean;
  /**
   * Keep only the referrers this accepts, judged from the listing alone (artifactType,
   * annotations), before any limit is counted: a flood of referrers nobody asked for neither
   * blocks the listing nor stays in memory (issue 13).
   */
  select?: (d: Descriptor) => boolean;
  /**
   * Most referrers kept (after `select`); more is TOO_LARGE (default MAX_REFERRERS). With
   * `select`, also the most per-referrer tags read whose referrer the fallback index lacks
   * (each costs requests and may be a candidate); the others are skipped and counted to
   * `onSkippedTags`.
   */
  max?: number;
  onSkippedTags?: (count: number) => void;
}

/** The referrers of `subject`, optionally only those of one artifactType (filtered here if the store did not). */
export async function listReferrers(store: ReadOnlyStore, subject: Descriptor, artifactType?: string, options: ListOptions = {}): Promise<Descriptor[]> {
  const { select } = options;
  const max = options.max ?? MAX_REFERRERS;
  let found: Descriptor[] | null = null;
  if (isReferrerLister(store)) found = await store.referrers(subject, artifactType, { ...(select ? { select } : {}), max });
  if (found === null) {
    // filtered: the whole index is read (it is capped at 4 MiB) and counted only once filtered
    const limit = select ? Infinity : MAX_REFERRERS;
    const [read, tagged] = await Promise.all([readReferrersIndex(store, subject, limit), options.fromTags ?? true ? referrerTagsOf(store, subject) : []]);
    let toRead = tagged;
    if (select) {
      const missing = tagsMissingFrom(subject, read.index.manifests, tagged);
      if (missing.length > max) options.onSkippedTags?.(missing.length - max);
      toRead = missing.slice(0, max);
    }
    found = await mergeTagged(store, subject, read.index.manifests, toRead, undefined, limit);
  }
  const out = uniqueOfType(found, artifactType).filter((d) => !select || select(d));
  if (out.length > max) throw tooMany(store, subject, max, select !== undefined);
  return out;
}

/**
 * Lists the referrers of many subjects for one read-only command (discover, verify). On the tag
 * fallback the repository's tags are listed once, and a subject's `sha256-<hex>` index is read
 * only when that tag exists: a subject with 10,000 referrers costs a few requests, not two per
 * referrer. Not for writers, which must re-read the tags (see addReferrer).
 */
export function referrersReader(store: ReadOnlyStore): (subject: Descriptor, artifactType?: string) => Promise<Descriptor[]> {
  let tags: Promise<TagIndex> | undefined;
  return async (subject, artifactType) => {
    if (isReferrerLister(store)) {
      const found = await store.referrers(subject, artifactType);
      if (found !== null) return uniqueOfType(found, artifactType);
    }
    if (!isTagLister(store)) return listReferrers(store, subject, artifactType);
    const index = await (tags ??= store.tags().then(indexTags));
    const tag = referrersTag(subject.digest as Digest);
    const listed = index.fallback.has(tag) ? (await readReferrersIndex(store, subject)).index.manifests : [];
    return uniqueOfType(await mergeTagged(store, subject, listed, index.perReferrer.get(tag) ?? []), artifactType);
  };
}

function uniqueOfType(found: Descriptor[], artifactType: string | undefined): Descriptor[] {
  const unique = new Map<string, Descriptor>();
  for (const d of found) if (!unique.has(d.digest)) unique.set(d.digest, d);
  return [...unique.values()].filter((d) => !artifactType || d.artifactType === artifactType);
}

// The repository's tags sorted for referrer lookups: fallback index tags, and per-referrer tags by subject.
interface TagIndex {
  fallback: Set<string>;
  perReferrer: Map<string, string[]>;
}

const FALLBACK_TAG = /^sha256-[0-9a-f]{64}$/;
const REFERRER_TAG = /^(sha256-[0-9a-f]{64})\.[0-9a-f]{32}\.ref$/;

function indexTags(tags: string[]): TagIndex {
  const index: TagIndex = { fallback: new Set(), perReferrer: new Map() };
  for (const t of tags) {
    if (FALLBACK_TAG.test(t)) index.fallback.add(t);
    const m = REFERRER_TAG.exec(t);
    if (m) index.perReferrer.set(m[1] as string, [...(index.perReferrer.get(m[1] as string) ?? []), t]);
  }
  return index;
}

/** The per-referrer tags of `subject` (see referrerTag), when the store can list tags. */
export async function referrerTagsOf(store: ReadOnlyStore, subject: Descriptor): Promise<string[]> {
  if (!isTagLister(store)) return [];
  const prefix = `${referrersTag(subject.digest as Digest)}.`;
  return (await store.tags()).filter((t) => t.startsWith(prefix) && t.endsWith('.ref'));
}

/** The per-referrer tags whose referrer `known` lacks (by the 32 hex digits the tag carries). */
export function tagsMissingFrom(subject: Descriptor, known: Descriptor[], tagged: string[]): string[] {
  const prefix = `${referrersTag(subject.digest as Digest)}.`;
  const have = new Set(known.map((d) => digestHex(d.digest as Digest).slice(0, 32)));
  return tagged.filter((tag) => !have.has(tag.slice(prefix.length, -4)));
}

const TAG_READS = 8;

/** What one writer learnt about per-referrer tags: a tag is written once, so what it names stays. */
export interface TagMemo {
  found: Map<string, Descriptor>;
  dead: Set<string>;
}

/**
 * Adds the referrers found through their unique tags that `known` lacks (a lost index update),
 * reading up to 8 tags at once. Tags that name no referrer of `subject` (gone, or something
 * else) are skipped. With a memo, a tag is read once per writer however often it merges.
 */
export async function mergeTagged(store: ReadOnlyStore, subject: Descriptor, known: Descriptor[], tagged: string[], memo?: TagMemo, max = MAX_REFERRERS): Promise<Descriptor[]> {
  const missing = tagsMissingFrom(subject, known, tagged).filter((t) => !memo?.dead.has(t));
  if (missing.length > max) throw tooMany(store, subject, max);
  const found: (Descriptor | undefined)[] = missing.map((t) => memo?.found.get(t));
  const todo = missing.map((_, i) => i).filter((i) => !found[i]);
  await mapLimit(todo, TAG_READS, async (i) => {
    const tag = missing[i] as string;
    found[i] = await readTagged(store, subject, tag);
    if (found[i]) memo?.found.set(tag, found[i] as Descriptor);
    else memo?.dead.add(tag);
  });
  const out = [...known];
  for (const d of found) if (d && !out.some((k) => k.digest === d.digest)) out.push(d);
  if (out.length > max) throw tooMany(store, subject, max);
  return out;
}

// The referrer a per-referrer tag names, or undefined when it is gone or refers to something else.
async function readTagged(store: ReadOnlyStore, subject: Descriptor, tag: string): Promise<Descriptor | undefined> {
  try {
    const node = await fetchManifestNode(store, await store.resolve(tag));
    return subjectOf(node)?.digest === subject.digest ? referrerDescriptor(node) : undefined;
  } catch (err) {
    if (isCairnError(err, 'NOT_FOUND')) return undefined;
    throw err;
  }
}
