import { discoverEvidence, type InspectedItem } from '../attest/ecosystem/index.js';
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
// naming the image (boundTo). BuildKit's bare Statements (nobody signed them) are offered only
// together with an envelope attached to their attestation manifest that may vouch for them
// (docs/registry.md, "BuildKit attestations"). Never offered: notation and cosign simple-signing
// signatures (they sign a manifest digest, not a Statement), and anything whose signature did
// not verify (a keyless bundle that fails against the trusted root is reported and ignored).

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
    const trust = this.options.trustedRoot ? { trustedRoot: this.options.trustedRoot } : {};
    const out: EvidenceItem[] = [];
    for (const s of subjects) {
      const items = await discoverEvidence(this.store, s, { predicateType, ...trust });
      for (const item of items) {
        if (item.report.convention !== 'buildkit-attestation') out.push(...itemsOf(item, boundTo));
        // BuildKit's entries about other platforms of the index are not worth a look for vouches
        // (their Statements would not name this image anyway, which steps.ts checks regardless).
        else if (boundTo.includes(item.report.attachedTo)) out.push(...(await this.vouched(item, predicateType, boundTo)));
      }
    }
    return out;
  }

  // A BuildKit attestation manifest's Statements, each offered with every signed envelope
  // attached to that manifest (the vouches: `cairn attest` or `cosign attest` on
  // repo@<attestation manifest>, or a Sigstore bundle referring to it). The engine counts a
  // Statement only if a vouch is signed by the step's functionary and names the manifest's or
  // the blob's digest (verify/vouch.ts); a Statement nobody vouched for is never offered.
  private async vouched(item: InspectedItem, predicateType: string, boundTo: readonly string[]): Promise<EvidenceItem[]> {
    const statements = item.layers.filter((l) => l.envelope === 'in-toto-statement' && l.statement !== undefined);
    if (statements.length === 0) return [];
    const manifest = item.found.descriptor;
    const trust = this.options.trustedRoot ? { trustedRoot: this.options.trustedRoot } : {};
    const vouches = (await discoverEvidence(this.store, manifest, { predicateType, ...trust })).flatMap((v) => itemsOf(v, [], true));
    const out: EvidenceItem[] = [];
    for (const l of statements) {
      for (const v of vouches) {
        const origin = { store: 'ecosystem', convention: 'buildkit-attestation', manifest: manifest.digest, digest: l.digest, vouchedBy: v.origin } as const;
        out.push({ ...v, origin, boundTo, vouchesFor: { statement: l.statement!, pinnedBy: [manifest.digest, l.digest] } });
      }
    }
    return out;
  }
}

// The signed envelopes of an item: DSSE layers, and keyless bundles only once verified. Cairn's
// own referrers come from the inner source, except where they vouch (`vouching`).
function itemsOf(item: InspectedItem, boundTo: readonly string[], vouching = false): EvidenceItem[] {
  const r = item.report;
  if ((r.convention === 'cairn' && !vouching) || r.convention === 'buildkit-attestation' || r.convention === 'notation-signature' || r.convention === 'cosign-signature') return [];
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
