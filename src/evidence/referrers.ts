import { CairnError, isCairnError } from '../errors.js';
import { fetchManifestNode, fetchVerified, listReferrers, type ReadOnlyStore } from '../oci/index.js';
import { mapLimit } from '../threads/index.js';
import { readSignedDocument, type Step } from '../intoto/index.js';
import {
  ANNOTATION_PREDICATE_TYPE,
  ANNOTATION_STEP,
  DSSE_ENVELOPE_MEDIA_TYPE,
  EVIDENCE_ARTIFACT_TYPE,
  LAYOUT_METABLOCK_MEDIA_TYPE,
  LINK_METABLOCK_MEDIA_TYPE,
  MAX_EVIDENCE_BYTES,
} from '../attest/index.js';
import type { Descriptor } from '../schema/index.js';
import type { AuthorisedKey, EvidenceItem, EvidenceSource } from './source.js';

// Evidence from an image's OCI referrers (the referrers API or the sha256-<hex> tag schema).
// Referrers are chosen by the annotations Cairn writes (step name, predicate type), read from
// the listing, so that nothing irrelevant is fetched; the chosen ones are fetched in parallel,
// each capped and digest-checked. Anyone who can push to the repository can add referrers, so
// every item is marked ignoreIfBroken: a broken one is reported, never counted, and never
// blocks the others. Statements must be about the image (boundTo).
// The choice is made while the listing is read (page by page on the referrers API), before any
// limit is counted: a flood of referrers that concern no step of the layout costs neither
// memory nor the limit, which bounds the candidates only (issue 13 §5). The engine announces
// the steps of each layout (expect), so that one listing serves all of them.

export interface ReferrersEvidenceOptions {
  /** Other manifests whose referrers count too: the index a platform image belongs to. */
  also?: readonly Descriptor[];
  /** Parallel fetches (default 8). */
  concurrency?: number;
  /** Most candidate referrers considered per subject and listing (default 1000). */
  maxReferrers?: number;
}

/** A referrer of one of the subjects, with the subject it hangs off. */
export interface ListedReferrer {
  readonly descriptor: Descriptor;
  readonly on: Descriptor;
}

/** An EvidenceSource over the referrers of an image (and of its index). */
export class ReferrersEvidenceSource implements EvidenceSource {
  private readonly listings = new Map<string, Promise<ListedReferrer[]>>();
  private readonly seen = new Map<string, ListedReferrer>();
  private readonly fetched = new Map<string, Promise<EvidenceItem>>();
  private readonly subjects: Descriptor[];
  private expected: readonly Step[] | undefined;
  /** What the listings skipped, for the report (unindexed referrer tags beyond the limit). */
  readonly notes: string[] = [];

  constructor(private readonly store: ReadOnlyStore, readonly subject: Descriptor, private readonly options: ReferrersEvidenceOptions = {}) {
    this.subjects = [subject, ...(options.also ?? [])];
  }

  get description(): string {
    return `the referrers of ${this.subject.digest}`;
  }

  /** The steps about to be asked for (a layout's, or a sublayout's): one listing serves them all. */
  expect(steps: readonly Step[]): void {
    this.expected = steps;
  }

  /** The in-toto referrers that may serve the expected steps (every in-toto referrer before expect). */
  referrers(): Promise<ListedReferrer[]> {
    return this.listing(this.expected ?? null);
  }

  /** Every candidate listed so far, once each (where the evidence hung, for reports). */
  listed(): ListedReferrer[] {
    return [...this.seen.values()];
  }

  async candidatesFor(step: Step): Promise<EvidenceItem[]> {
    const covered = this.expected?.some((s) => s.name === step.name && s.expected_predicate_type === step.expected_predicate_type);
    const all = await this.listing(covered ? this.expected! : [step]);
    const relevant = all.filter((r) => isFor(r.descriptor, step));
    return mapLimit(relevant, this.options.concurrency ?? 8, (r) => this.fetchItem(r));
  }

  // The referrers that may serve one of `steps` (all in-toto ones for null), listed once per set of steps.
  private listing(steps: readonly Step[] | null): Promise<ListedReferrer[]> {
    const key = steps === null ? '*' : [...new Set(steps.map((s) => `${s.name}\n${s.expected_predicate_type ?? ''}`))].sort().join('\n\n');
    let p = this.listings.get(key);
    if (!p) {
      p = this.list(steps);
      this.listings.set(key, p);
    }
    return p;
  }

  private async list(steps: readonly Step[] | null): Promise<ListedReferrer[]> {
    const max = this.options.maxReferrers ?? 1000;
    const out: ListedReferrer[] = [];
    const listedHere = new Set<string>();
    for (const on of this.subjects) {
      // the artifact type is judged here with the steps, so that what was left aside is counted
      // (years of nightly SBOMs and scans cost a line in the report, not a fetch each)
      let other = 0;
      const select = steps === null ? undefined : (d: Descriptor) => (d.artifactType === EVIDENCE_ARTIFACT_TYPE && steps.some((s) => isFor(d, s))) || (other++, false);
      const onSkippedTags = (n: number) => this.note(`${n} referrer tags of ${on.digest} that are not in its index were not read (more than the limit of ${max}); evidence that only they name is not seen (a repair of the referrers index lists them)`);
      const list = await listReferrers(this.store, on, select ? undefined : EVIDENCE_ARTIFACT_TYPE, { ...(select ? { select } : {}), max, onSkippedTags });
      if (other > 0) this.note(`${other} referrers of ${on.digest} are not Cairn evidence for the layout's steps (other artifact types, steps or predicate types): not fetched (other tools' evidence is looked up by predicate type, for steps that name one)`);
      for (const d of list) {
        if (listedHere.has(d.digest)) continue;
        listedHere.add(d.digest);
        const listed = { descriptor: d, on };
        out.push(listed);
        if (!this.seen.has(d.digest)) this.seen.set(d.digest, listed);
      }
    }
    return out;
  }

  private note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

// Sublayout links live next to the image too; they are found by their own step names.
  // A view that shares the listings and fetches, with the sublayout's own expected steps.
  forSublayout(_step: Step, _functionary: AuthorisedKey): EvidenceSource {
    const view = Object.create(this) as ReferrersEvidenceSource;
    view.expected = undefined;
    return view;
  }

  private fetchItem(r: ListedReferrer): Promise<EvidenceItem> {
    let p = this.fetched.get(r.descriptor.digest);
    if (!p) {
      p = this.read(r);
      this.fetched.set(r.descriptor.digest, p);
    }
    return p;
  }

  private async read(r: ListedReferrer): Promise<EvidenceItem> {
    const where = `${this.store.location}@${r.descriptor.digest}`;
    const onIndex = r.on !== this.subject;
    const base = { origin: { store: 'referrers', digest: r.descriptor.digest, onIndex }, ignoreIfBroken: true, boundTo: this.subjects.map((s) => s.digest) } as const;
    try {
      const node = await fetchManifestNode(this.store, r.descriptor);
      if (node.kind !== 'manifest') throw new CairnError('SCHEMA_INVALID', 'is an index, not an evidence artifact', { where });
      const subject = node.manifest.subject?.digest;
      if (subject !== r.on.digest) throw new CairnError('SCHEMA_INVALID', `its subject is ${subject ?? 'missing'}, not ${r.on.digest}`, { where });
      const layer = node.manifest.layers[0];
      if (!layer || ![DSSE_ENVELOPE_MEDIA_TYPE, LINK_METABLOCK_MEDIA_TYPE, LAYOUT_METABLOCK_MEDIA_TYPE].includes(layer.mediaType)) {
        throw new CairnError('SCHEMA_INVALID', 'has no DSSE envelope or in-toto Metablock layer', { where });
      }
      const bytes = await fetchVerified(this.store, layer, MAX_EVIDENCE_BYTES, `${where}: layer`);
      return { ...base, document: readSignedDocument(bytes, `${where}: layer`) };
    } catch (err) {
      if (!isCairnError(err)) throw err;
      return { ...base, error: err };
    }
  }
}

// Whether a listed referrer may be evidence for a step, from its annotations alone.
function isFor(d: Descriptor, step: Step): boolean {
  const a = d.annotations ?? {};
  if (a[ANNOTATION_STEP] === step.name) return true;
  return step.expected_predicate_type !== undefined && a[ANNOTATION_PREDICATE_TYPE] === step.expected_predicate_type;
}

