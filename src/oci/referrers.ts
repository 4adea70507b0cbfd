import { setTimeout as sleep } from 'node:timers/promises';
import { CairnError, isCairnError } from '../errors.js';
import { digestHex, type Digest } from '../digest/index.js';
import type { Descriptor, Index } from '../schema/index.js';
import { isReferrerLister, isTagLister, MAX_REFERRERS, type ReadOnlyStore, type Store } from './store.js';
import { isIndexType, OCI_INDEX } from './mediatypes.js';
import { fetchManifestNode, makeIndex, pushJson, referrerDescriptor, subjectOf } from './manifest.js';

// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#referrers-tag-schema
// Referrers of a manifest: from the store itself when it can list them (OCI layout, a registry
// with the referrers API), otherwise from the tag schema: an image index tagged
// `sha256-<hex>` listing them. Registries without the API (distribution 2.8.2) ignore
// If-Match, so the fallback index is guarded by Cairn itself; see addReferrer and docs/registry.md.

/** The fallback tag of a subject: `<alg>-<hex>`. */
export function referrersTag(subject: Digest): string {
  return `sha256-${digestHex(subject)}`;
}

/** The unique tag Cairn gives each referrer it pushes to a registry without the API (see addReferrer). */
export function referrerTag(subject: Digest, referrer: Digest): string {
  return `${referrersTag(subject)}.${digestHex(referrer).slice(0, 32)}.ref`;
}

/** Reads the fallback index; an absent tag (or one that is not an index other than the subject) is empty. */
export async function readReferrersIndex(store: ReadOnlyStore, subject: Descriptor): Promise<{ index: Index; digest?: string }> {
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
  if (node.index.manifests.length > MAX_REFERRERS) throw tooMany(store, subject);
  return { index: node.index, digest: desc.digest };
}

function tooMany(store: ReadOnlyStore, subject: Descriptor): CairnError {
  return new CairnError('TOO_LARGE', `more than ${MAX_REFERRERS} referrers of ${subject.digest}`, { where: store.location });
}

export interface ListOptions {
  /** On the fallback, also read the per-referrer tags (default true): see addReferrer. */
  fromTags?: boolean;
}

/** The referrers of `subject`, optionally only those of one artifactType (filtered here if the store did not). */
export async function listReferrers(store: ReadOnlyStore, subject: Descriptor, artifactType?: string, options: ListOptions = {}): Promise<Descriptor[]> {
  let found: Descriptor[] | null = null;
  if (isReferrerLister(store)) found = await store.referrers(subject, artifactType);
  if (found === null) {
    found = (await readReferrersIndex(store, subject)).index.manifests;
    if (options.fromTags ?? true) found = await mergeTagged(store, subject, found, await referrerTagsOf(store, subject));
  }
  return uniqueOfType(found, artifactType);
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

// The per-referrer tags of `subject` (see referrerTag), when the store can list tags.
async function referrerTagsOf(store: ReadOnlyStore, subject: Descriptor): Promise<string[]> {
  if (!isTagLister(store)) return [];
  const prefix = `${referrersTag(subject.digest as Digest)}.`;
  return (await store.tags()).filter((t) => t.startsWith(prefix) && t.endsWith('.ref'));
}

// Adds the referrers found through their unique tags that `known` lacks (a lost index update).
async function mergeTagged(store: ReadOnlyStore, subject: Descriptor, known: Descriptor[], tagged: string[]): Promise<Descriptor[]> {
  const prefix = `${referrersTag(subject.digest as Digest)}.`;
  const have = new Set(known.map((d) => digestHex(d.digest as Digest).slice(0, 32)));
  const out = [...known];
  for (const tag of tagged) {
    if (have.has(tag.slice(prefix.length, -4))) continue;
    if (out.length >= MAX_REFERRERS) throw tooMany(store, subject);
    try {
      const node = await fetchManifestNode(store, await store.resolve(tag));
      if (subjectOf(node)?.digest === subject.digest) out.push(referrerDescriptor(node));
    } catch (err) {
      if (!isCairnError(err, 'NOT_FOUND')) throw err;
    }
  }
  return out;
}

export interface AddReferrerOptions {
  /** Tag the referrer with its unique tag (default true), so that no index race can lose it. */
  referrerTag?: boolean;
  /** Re-read after writing and repair until the entry stays (default true). false = one plain write. */
  check?: boolean;
  /** Attempts before giving up (default 10). */
  attempts?: number;
  /** Base wait (ms) before re-reading (default 150; randomised up to twice that). */
  settleMs?: number;
}

// True when the store lists referrers itself (pushing a manifest with `subject` is enough).
async function listsNatively(store: ReadOnlyStore, subject: Descriptor): Promise<boolean> {
  return isReferrerLister(store) && (await store.referrers(subject)) !== null;
}

const queues = new Map<string, Promise<unknown>>();

/**
 * Records `referrer` as a referrer of `subject` after its manifest was pushed. Stores that list
 * referrers themselves need nothing. Otherwise the `sha256-<hex>` index is read, extended, written
 * and read back: writes to one subject are queued within the process, and across processes
 * (the registry ignores If-Match) the entry is re-read after a randomised wait, twice, and
 * written again if another writer dropped it. Each write also restores entries known from the
 * per-referrer tags, so the last writer repairs the losses of earlier races.
 */
export async function addReferrer(store: Store, subject: Descriptor, referrer: Descriptor, options: AddReferrerOptions = {}): Promise<void> {
  await addReferrers(store, subject, [referrer], options);
}

/** addReferrer for several referrers of one subject at once (one index write; used by copy). */
export async function addReferrers(store: Store, subject: Descriptor, referrers: Descriptor[], options: AddReferrerOptions = {}): Promise<void> {
  if (referrers.length === 0 || (await listsNatively(store, subject))) return;
  if (options.referrerTag ?? true) {
    for (const r of referrers) await store.tag(r, referrerTag(subject.digest as Digest, r.digest as Digest));
  }
  const key = `${store.location}@${subject.digest}`;
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => writeUntilKept(store, subject, referrers, options));
  queues.set(key, next);
  try {
    await next;
  } finally {
    if (queues.get(key) === next) queues.delete(key);
  }
}

async function writeUntilKept(store: Store, subject: Descriptor, referrers: Descriptor[], options: AddReferrerOptions): Promise<void> {
  const { check = true, attempts = 10, settleMs = 150 } = options;
  const tagged = options.referrerTag ?? true;
  const allIn = (entries: Descriptor[]) => referrers.every((r) => entries.some((d) => d.digest === r.digest));
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = (await readReferrersIndex(store, subject)).index.manifests;
    const merged = tagged ? await mergeTagged(store, subject, current, await referrerTagsOf(store, subject)) : [...current];
    for (const r of referrers) if (!merged.some((d) => d.digest === r.digest)) merged.push(r);
    if (merged.length !== current.length) await writeReferrersIndex(store, subject, merged);
    if (!check) return;
    let kept = true;
    for (let confirm = 0; confirm < 2 && kept; confirm++) {
      await sleep(settleMs * (1 + Math.random()) * (attempt + 1));
      kept = allIn((await readReferrersIndex(store, subject)).index.manifests);
    }
    if (kept) return;
  }
  throw new CairnError('REGISTRY_ERROR', `referrers of ${subject.digest} kept being dropped from the ${referrersTag(subject.digest as Digest)} index by concurrent writers (run cairn discover --repair)`, { where: store.location });
}

/** Writes the fallback index of `subject` with these entries (pushed by digest, then tagged). */
export async function writeReferrersIndex(store: Store, subject: Descriptor, entries: Descriptor[]): Promise<Descriptor> {
  const desc = await pushJson(store, OCI_INDEX, makeIndex(entries));
  await store.tag(desc, referrersTag(subject.digest as Digest));
  return desc;
}

/** What a repair changed. */
export interface RepairResult {
  added: string[];
  removed: string[];
  total: number;
}

/** Rebuilds the fallback index from the index and the per-referrer tags, dropping entries whose manifest is gone. */
export async function repairReferrers(store: Store, subject: Descriptor): Promise<RepairResult> {
  if (await listsNatively(store, subject)) return { added: [], removed: [], total: 0 };
  const current = (await readReferrersIndex(store, subject)).index.manifests;
  const merged = await mergeTagged(store, subject, current, await referrerTagsOf(store, subject));
  const kept: Descriptor[] = [];
  const removed: string[] = [];
  for (const d of merged) {
    if (kept.some((k) => k.digest === d.digest)) continue;
    if (await store.exists(d)) kept.push(d);
    else removed.push(d.digest);
  }
  const before = new Set(current.map((d) => d.digest));
  const added = kept.filter((d) => !before.has(d.digest)).map((d) => d.digest);
  if (added.length > 0 || removed.length > 0) await writeReferrersIndex(store, subject, kept);
  return { added, removed, total: kept.length };
}
