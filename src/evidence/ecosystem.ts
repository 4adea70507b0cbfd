import { discoverEvidence, type InspectedItem } from '../attest/index.js';
import type { ReadOnlyStore } from '../oci/index.js';
import type { Step } from '../intoto/index.js';
import type { Descriptor } from '../schema/index.js';
import type { SigstoreTrustedRoot } from '../sigstore/index.js';
import type { AuthorisedKey, EvidenceItem, EvidenceSource } from './source.js';

// Evidence other tools attached (ITE-10 steps only, by expected_predicate_type): cosign `.att`
// DSSE envelopes (tag or `cosign save`), DSSE envelopes inside Sigstore bundles (key-signed, or
// keyless and verified offline against the user's trusted root: then the item carries the
// certificate identity that the step's certificate_identities are matched against), and DSSE
// envelopes attached with oras. What counts is decided by the engine exactly as for Cairn's own
// referrers: a signature by an authorised key or identity, the predicate type, and a subject
// naming the image (boundTo). Never offered: BuildKit's bare Statements (nobody signed them;
// see docs/registry.md), notation and cosign simple-signing signatures (they sign a manifest
// digest, not a Statement), and anything whose signature did not verify (a keyless bundle that
// fails against the trusted root is reported and ignored).

export interface EcosystemEvidenceOptions {
  /** Other manifests whose evidence counts too: the index a platform image belongs to. */
  readonly also?: readonly Descriptor[];
  readonly trustedRoot?: SigstoreTrustedRoot;
}

/** Adds foreign evidence to a source of Cairn's own referrers. */
export class EcosystemEvidenceSource implements EvidenceSource {
  constructor(
    private readonly inner: EvidenceSource,
    private readonly store: ReadOnlyStore,
    private readonly subject: Descriptor,
    private readonly options: EcosystemEvidenceOptions = {},
    /** Foreign evidence by predicate type, shared with sublayout views. */
    private readonly found = new Map<string, Promise<EvidenceItem[]>>(),
  ) {}

  get description(): string {
    return this.inner.description;
  }

  async candidatesFor(step: Step, authorised: readonly AuthorisedKey[]): Promise<EvidenceItem[]> {
    const own = await this.inner.candidatesFor(step, authorised);
    const type = step.expected_predicate_type;
    if (type === undefined) return own;
    let p = this.found.get(type);
    if (!p) {
      p = this.foreign(type);
      this.found.set(type, p);
    }
    return [...own, ...(await p)];
  }

  // The steps every layout will ask about: the inner source lists referrers once for all of them.
  expect(steps: readonly Step[]): void {
    this.inner.expect?.(steps);
  }

  // A sublayout's own referrers come from the inner source's view; foreign evidence is about the
  // same image, so this source's findings are shared.
  forSublayout(step: Step, functionary: AuthorisedKey): EvidenceSource {
    return new EcosystemEvidenceSource(this.inner.forSublayout(step, functionary), this.store, this.subject, this.options, this.found);
  }

  private async foreign(predicateType: string): Promise<EvidenceItem[]> {
    const subjects = [this.subject, ...(this.options.also ?? [])];
    const boundTo = subjects.map((s) => s.digest);
    const out: EvidenceItem[] = [];
    for (const s of subjects) {
      const items = await discoverEvidence(this.store, s, { predicateType, ...(this.options.trustedRoot ? { trustedRoot: this.options.trustedRoot } : {}) });
      for (const item of items) out.push(...itemsOf(item, boundTo));
    }
    return out;
  }
}

function itemsOf(item: InspectedItem, boundTo: readonly string[]): EvidenceItem[] {
  const r = item.report;
  if (r.convention === 'cairn' || r.convention === 'buildkit-attestation' || r.convention === 'notation-signature' || r.convention === 'cosign-signature') return [];
  const out: EvidenceItem[] = [];
  for (const l of item.layers) {
    if (!l.dsse) continue;
    const base = { origin: { store: 'ecosystem', convention: r.convention, manifest: r.manifest, digest: l.digest }, ignoreIfBroken: true, boundTo } as const;
    if (l.envelope === 'sigstore-bundle' && l.signer?.identity !== undefined) {
      // Keyless: counts only when the bundle verified against the trusted root given.
      if (!l.keyless) continue;
      out.push({ ...base, document: { format: 'dsse', envelope: l.dsse }, keyless: { identity: l.keyless.identity, publicKeyPem: l.keyless.publicKeyPem } });
      continue;
    }
    out.push({ ...base, document: { format: 'dsse', envelope: l.dsse } });
  }
  return out;
}
