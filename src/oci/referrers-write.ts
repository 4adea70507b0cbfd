import { setTimeout as sleep } from 'node:timers/promises';
import { CairnError } from '../errors.js';
import type { Digest } from '../digest/index.js';
import type { Descriptor } from '../schema/index.js';
import { isReferrerLister, isReferrerRecorder, MAX_MANIFEST_BYTES, pushAndTag, type ReadOnlyStore, type Store } from './store.js';
import { OCI_INDEX } from './mediatypes.js';
import { encodeJson, makeIndex } from './manifest.js';
import { mergeTagged, readReferrersIndex, referrersTag, referrerTag, referrerTagsOf, type TagMemo } from './referrers.js';

// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-manifests-with-subject
// Writing referrers on the tag schema. distribution 2.8.2 ignores If-Match, so two writers of one
// `sha256-<hex>` index can drop each other's entries. Each referrer also gets a tag of its own
// (written once, by one writer: no race loses it), written before the index is read; and every
// writer reads the index and the tags again after its own write and writes again while a tagged
// referrer is missing. The writer whose write landed last therefore leaves a complete index:
// the argument is in docs/registry.md ("Concurrent writers on the tag schema").

export interface AddReferrerOptions {
  /** Tag the referrer with its unique tag (default true), so that no index race can lose it. */
  referrerTag?: boolean;
  /** Read back after writing and repair until complete (default true). false = one plain write. */
  check?: boolean;
  /**
   * With referrer tags: how long (ms) a writer keeps repairing an index that others keep
   * overwriting (default 120 s). A count of writes was not enough: 50 writers whose starts were
   * spread over seconds by a slow machine used up 10 writes each while others still arrived,
   * and the last of them gave up with the index incomplete (CI, 2026-12-03).
   * Without them: re-reads before giving up (default 10).
   */
  budgetMs?: number;
  attempts?: number;
  /**
   * Base pause (ms), randomised up to twice this times the attempt. With referrer tags: only when
   * the read after a write finds the index incomplete, before reading again (default 50; lets
   * writers in flight land instead of repairing for them; not needed for correctness). Without
   * them: before each re-read (default 150; the waits are the only guard there).
   */
  settleMs?: number;
}

// True when the store lists referrers itself (pushing a manifest with `subject` is enough).
async function listsNatively(store: ReadOnlyStore, subject: Descriptor): Promise<boolean> {
  if (!isReferrerLister(store)) return false;
  if (store.listsReferrers) return store.listsReferrers();
  return (await store.referrers(subject)) !== null;
}

/**
 * Records `referrer` as a referrer of `subject` after its manifest was pushed. Stores that list
 * referrers themselves need nothing; otherwise see writeIndex.
 */
export async function addReferrer(store: Store, subject: Descriptor, referrer: Descriptor, options: AddReferrerOptions = {}): Promise<void> {
  await addReferrers(store, subject, [referrer], options);
}

/**
 * addReferrer for several referrers of one subject at once (one index write; used by copy).
 * `tagged`: referrers whose unique tag under `subject` is already written (pushReferrerManifest).
 */
export async function addReferrers(store: Store, subject: Descriptor, referrers: Descriptor[], options: AddReferrerOptions = {}, tagged: ReadonlySet<string> = new Set()): Promise<void> {
  if (referrers.length === 0) return;
  // an OCI layout: the manifests pushed `unlisted` (pushReferrerManifest) go into index.json at once
  if (isReferrerRecorder(store)) return store.recordReferrers(subject, referrers);
  if (await listsNatively(store, subject)) return;
  if (options.referrerTag ?? true) {
    const untagged = referrers.filter((r) => !tagged.has(r.digest));
    await Promise.all(untagged.map((r) => store.tag(r, referrerTag(subject.digest as Digest, r.digest as Digest))));
  }
  await queued(store, subject, () => writeIndex(store, subject, referrers, options));
}

/**
 * Pushes a referrer manifest held in memory and records it (attach): on the tag schema the
 * manifest and its unique tag go up together, then the index is written as in addReferrer.
 * `desc` is the entry as the index lists it (referrerDescriptor).
 */
export async function pushReferrer(store: Store, subject: Descriptor, desc: Descriptor, bytes: Uint8Array, options: AddReferrerOptions = {}): Promise<void> {
  if (await listsNatively(store, subject)) return store.push(desc, bytes);
  const tagged = options.referrerTag ?? true;
  await pushAndTag(store, desc, bytes, tagged ? [referrerTag(subject.digest as Digest, desc.digest as Digest)] : []);
  await queued(store, subject, () => writeIndex(store, subject, [desc], options));
}

/**
 * Pushes a referrer's manifest as addReferrers will record it (copy): on the tag schema together
 * with its unique tag, in one PUT by that tag (which stores the manifest as a PUT by digest
 * would), instead of a PUT by digest and a second PUT of the same bytes by tag. True when the
 * tag was written: pass the referrer in addReferrers' `tagged` then. Into an OCI layout the
 * manifest is stored unlisted, and addReferrers lists all the referrers of the subject in one
 * index.json write; if the copy dies in between, the next copy finds the manifest present and
 * still lists it there.
 */
export async function pushReferrerManifest(store: Store, subject: Descriptor, desc: Descriptor, bytes: Uint8Array, options: AddReferrerOptions = {}): Promise<boolean> {
  if (isReferrerRecorder(store)) {
    await store.push(desc, bytes, { unlisted: true });
    return false;
  }
  if (!(options.referrerTag ?? true) || (await listsNatively(store, subject))) {
    await store.push(desc, bytes);
    return false;
  }
  await pushAndTag(store, desc, bytes, [referrerTag(subject.digest as Digest, desc.digest as Digest)]);
  return true;
}

const queues = new Map<string, Promise<unknown>>();

// Within one process, updates of one subject's index run one at a time.
async function queued(store: Store, subject: Descriptor, write: () => Promise<void>): Promise<void> {
  const key = `${store.location}@${subject.digest}`;
  const next = (queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(write);
  queues.set(key, next);
  try {
    await next;
  } finally {
    if (queues.get(key) === next) queues.delete(key);
  }
}

// With referrer tags: read the index and the tags, add ours and every tagged referrer the index
// lacks, write; then read both again at once. Complete: done, with no wait at all. Not complete
// (a stale write landed after ours, or writers are in flight): pause, read again, and write
// again if still needed, for as long as others keep overwriting it (budgetMs). Contention ends
// when writers stop arriving, so the writer that lands last always finishes its repair (the
// argument in docs/registry.md needs it never to give up early). Past the budget, fail only if
// our own entries are missing (the others' stay discoverable through their tags).
async function writeIndex(store: Store, subject: Descriptor, referrers: Descriptor[], options: AddReferrerOptions): Promise<void> {
  if (!(options.referrerTag ?? true)) return writeAndWait(store, subject, referrers, options);
  const { check = true, budgetMs = 120_000, settleMs = 50 } = options;
  const started = Date.now();
  const memo: TagMemo = { found: new Map(), dead: new Set() };
  const read = async () => {
    const [index, tags] = await Promise.all([readReferrersIndex(store, subject), referrerTagsOf(store, subject)]);
    const current = index.index.manifests;
    const merged = await mergeTagged(store, subject, [...current, ...referrers.filter((r) => !current.some((d) => d.digest === r.digest))], tags, memo);
    return { current, merged, complete: merged.length === current.length };
  };
  let state = await read();
  for (let attempt = 1; !state.complete; attempt++) {
    if (attempt > 1 && Date.now() - started > budgetMs) {
      if (referrers.every((r) => state.current.some((d) => d.digest === r.digest))) return;
      throw dropped(store, subject);
    }
    await writeReferrersIndex(store, subject, state.merged);
    if (!check) return;
    state = await read();
    if (state.complete) return;
    // 50-100 ms x the attempt, at most 10 times that: lets writers in flight land
    await sleep(settleMs * (1 + Math.random()) * Math.min(attempt, 10));
    state = await read();
  }
}

// Without referrer tags nothing tells a writer about the others: re-read its own entries after a
// randomised wait, twice, and write again when they are gone (47/50 kept in the 50-writer test).
async function writeAndWait(store: Store, subject: Descriptor, referrers: Descriptor[], options: AddReferrerOptions): Promise<void> {
  const { check = true, attempts = 10, settleMs = 150 } = options;
  const allIn = (entries: Descriptor[]) => referrers.every((r) => entries.some((d) => d.digest === r.digest));
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = (await readReferrersIndex(store, subject)).index.manifests;
    const merged = [...current, ...referrers.filter((r) => !current.some((d) => d.digest === r.digest))];
    if (merged.length !== current.length) await writeReferrersIndex(store, subject, merged);
    if (!check) return;
    let kept = true;
    for (let confirm = 0; confirm < 2 && kept; confirm++) {
      await sleep(settleMs * (1 + Math.random()) * (attempt + 1));
      kept = allIn((await readReferrersIndex(store, subject)).index.manifests);
    }
    if (kept) return;
  }
  throw dropped(store, subject);
}

function dropped(store: Store, subject: Descriptor): CairnError {
  return new CairnError('REGISTRY_ERROR', `referrers of ${subject.digest} kept being dropped from the ${referrersTag(subject.digest as Digest)} index by concurrent writers; repair the index once they are done`, { where: store.location, details: { reason: 'referrers-index-contended', subject: subject.digest } });
}

/** Writes the fallback index of `subject` with these entries (pushed by digest and tagged). */
export async function writeReferrersIndex(store: Store, subject: Descriptor, entries: Descriptor[]): Promise<Descriptor> {
  const { desc, bytes } = encodeJson(OCI_INDEX, makeIndex(entries));
  if (bytes.length > MAX_MANIFEST_BYTES) throw new CairnError('TOO_LARGE', `referrers index of ${bytes.length} bytes is larger than the limit of ${MAX_MANIFEST_BYTES}`, { where: store.location });
  await pushAndTag(store, desc, bytes, [referrersTag(subject.digest as Digest)]);
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
