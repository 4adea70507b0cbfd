import { isCairnError } from '../../errors.js';
import { isReferrerLister, isTagLister, readReferrersIndex, referrersReader, type ReadOnlyStore } from '../../oci/index.js';
import type { Descriptor, Index } from '../../schema/index.js';
import {
  BUILDKIT_REFERENCE_DIGEST,
  COSIGN_KIND,
  COSIGN_KIND_ATTS,
  COSIGN_KIND_IMAGE,
  COSIGN_KIND_INDEX,
  COSIGN_KIND_SIGS,
  cosignTag,
  isBuildkitAttestationEntry,
  type FoundBy,
} from './conventions.js';

// Where evidence about a manifest can be: its OCI referrers (the API, the `sha256-<hex>` tag
// index, an OCI layout's untagged entries, and the fallback tag in a layout too, as `oras copy`
// leaves it), cosign's `.att`/`.sig` tags, the entries `cosign save` marks in an OCI layout's
// index.json, and BuildKit's attestation manifests inside the image index. Nothing is fetched
// here but listings and tags: what each item is comes from its manifest (inspect.ts).

/** A manifest that may hold evidence about `attachedTo`, and how it was found. */
export interface FoundItem {
  readonly descriptor: Descriptor;
  readonly attachedTo: Descriptor;
  readonly foundBy: FoundBy;
  readonly cosignKind?: 'sigs' | 'atts';
}

/** An OCI layout's index.json entries (an optional power of OciLayoutStore). */
interface IndexEntryLister {
  indexEntries(): Promise<Descriptor[]>;
}
const listsIndexEntries = (s: unknown): s is IndexEntryLister => typeof (s as Partial<IndexEntryLister>)?.indexEntries === 'function';

/** Lists, for each of `subjects`, what may be evidence about it. BuildKit entries need `index`. */
export function finder(store: ReadOnlyStore): (subject: Descriptor, index?: Index) => Promise<FoundItem[]> {
  const listReferrers = referrersReader(store);
  let tags: Promise<Set<string>> | undefined;
  let entries: Promise<Descriptor[]> | undefined;
  return async (subject, index) => {
    const out: FoundItem[] = [];
    const add = (d: Descriptor, foundBy: FoundBy, cosignKind?: 'sigs' | 'atts') => {
      if (d.digest === subject.digest || out.some((f) => f.descriptor.digest === d.digest)) return;
      out.push({ descriptor: d, attachedTo: subject, foundBy, ...(cosignKind ? { cosignKind } : {}) });
    };
    const native = isReferrerLister(store) ? await store.referrers(subject) : null;
    if (native === null) {
      for (const d of await listReferrers(subject)) add(d, 'referrers-tag');
    } else {
      for (const d of native) add(d, listsIndexEntries(store) ? 'oci-layout' : 'referrers-api');
      // A store that lists natively may still hold a fallback index (an OCI layout copied from
      // a registry without the API, or a client that wrote the tag anyway): read it too.
      for (const d of (await readReferrersIndex(store, subject)).index.manifests) add(d, 'referrers-tag');
    }
    tags ??= isTagLister(store) ? store.tags().then((t) => new Set(t)) : Promise.resolve(new Set());
    const have = await tags;
    for (const kind of ['att', 'sig'] as const) {
      const tag = cosignTag(subject.digest, kind);
      if (!have.has(tag)) continue;
      try {
        add(await store.resolve(tag), 'cosign-tag', kind === 'att' ? 'atts' : 'sigs');
      } catch (err) {
        if (!isCairnError(err, 'NOT_FOUND')) throw err;
      }
    }
    if (listsIndexEntries(store)) {
      const all = await (entries ??= store.indexEntries());
      // `cosign save` writes one signed image per layout: its sigs and atts are about the entry
      // marked image (or imageIndex), and only about it.
      const signed = all.find((d) => d.annotations?.[COSIGN_KIND] === COSIGN_KIND_IMAGE || d.annotations?.[COSIGN_KIND] === COSIGN_KIND_INDEX);
      if (signed?.digest === subject.digest) {
        for (const d of all) {
          if (d.annotations?.[COSIGN_KIND] === COSIGN_KIND_SIGS) add(d, 'cosign-save', 'sigs');
          if (d.annotations?.[COSIGN_KIND] === COSIGN_KIND_ATTS) add(d, 'cosign-save', 'atts');
        }
      }
    }
    if (index) for (const d of index.manifests) if (isBuildkitAttestationEntry(d) && d.annotations?.[BUILDKIT_REFERENCE_DIGEST] === subject.digest) add(d, 'image-index');
    return out;
  };
}
