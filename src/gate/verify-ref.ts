import { CairnError, failureClass, isCairnError } from '../errors.js';
import { closeStore, formatReference, parseReference, resolveReference, type Reference, type Store } from '../oci/index.js';
import type { InspectionRunner } from '../verify/index.js';
import { verifyImage, type ImageVerification } from '../image-verify/index.js';
import type { SigstoreTrustedRoot } from '../sigstore/index.js';
import type { GatePolicy } from './policy.js';
import { preparePolicy, type PrepareOptions, type PreparedPolicy } from './prepare.js';
import { findSummary, type SummaryTrust } from './summary.js';

// verifyImageRef: the whole job of "may this image run under that policy?" in one call, for
// the deploy gate and the CLI alike. The image reference is resolved once (a tag is refused, or
// resolved and reported as unpinned); from then on everything is addressed by digest. A
// verification failure is a verdict; only what cannot be decided (registry down, a tag the
// policy refuses) is thrown, so no error can turn into a PASS.

/** The decision about one image under one policy. */
export interface GateVerdict {
  readonly verdict: 'pass' | 'fail';
  /** `registry/repo@sha256:...`: what was verified. */
  readonly image: string;
  readonly subject: string;
  /** False when the reference named a tag (resolved once, to `subject`). */
  readonly pinned: boolean;
  readonly policy: string;
  readonly policyDigest: string;
  readonly layout: string;
  readonly trustAnchor: string;
  readonly trustRootVersion?: number;
  /** Why it failed (one line), and the error code when a check threw. */
  readonly reason?: string;
  readonly code?: string;
  /** The earliest expiry involved (layout, trust root): no verdict outlives it. */
  readonly expires?: Date;
  /** `verified`: the layout ran; `summary`: a trusted verification summary said PASSED. */
  readonly source: 'verified' | 'summary';
  /** The referrers that counted (for a summary of this verdict). */
  readonly inputAttestations: readonly string[];
  readonly checkedAt: Date;
  readonly verification?: ImageVerification;
}

export interface VerifyRefOptions extends PrepareOptions {
  /** Opens the store of the image (may be narrower than openStore, e.g. allowed registries only). */
  openImageStore?: (ref: Reference) => Promise<Store>;
  /** The policy already prepared (a server keeps it between requests). */
  prepared?: PreparedPolicy;
  /** Runs inspections that are commands; without one such inspections fail. */
  commandInspections?: InspectionRunner;
  /** Answer from a trusted verification summary (VSA) when there is one. */
  summaries?: SummaryTrust;
  /** Accept `oci:DIR` references (a CLI on local files; never a server). */
  layoutDirectories?: boolean;
  /** Verify a layout that does not bind the image (local experiments only; the report says UNBOUND). */
  allowUnbound?: boolean;
  /** Sigstore trusted root for keyless evidence. */
  trustedRoot?: SigstoreTrustedRoot;
  /**
   * A check that throws on the content is a `fail` verdict (default, for a gate: the reason is in
   * the verdict); false throws it instead (a CLI reports its code and exit status).
   */
  errorsAsVerdicts?: boolean;
  /** Told the image resolved (`host/repo@sha256:...`, its digest) before verification starts, and whether a tag named it. */
  onResolved?: (r: { readonly image: string; readonly subject: string; readonly pinned: boolean }) => void;
}

/** How a thrown error is to be reported by a gate. */
export type GateErrorKind = 'key' | 'system';

/** `key`: the reference itself is unusable (permanent); `system`: try again later (transient). */
export function gateErrorKind(err: unknown): GateErrorKind {
  return isCairnError(err, 'INVALID_ARGUMENT', 'UNSUPPORTED') && (err as CairnError & { keyProblem?: boolean }).keyProblem === true ? 'key' : 'system';
}

function keyError(message: string, where: string): CairnError {
  return Object.assign(new CairnError('INVALID_ARGUMENT', message, { where }), { keyProblem: true });
}

/** Parses an image key as admission controllers send it; a Ratify-style `[namespace]` prefix is dropped. */
export function parseImageKey(key: string, layoutDirectories = false): Reference {
  const text = key.replace(/^\[[^\]]*\]/, '');
  let ref: Reference;
  try {
    ref = parseReference(text);
  } catch (err) {
    throw keyError(isCairnError(err) ? err.message : 'not an image reference', key.slice(0, 200));
  }
  if (ref.kind !== 'registry' && !layoutDirectories) throw keyError('only registry references are accepted, not oci: directories', key.slice(0, 200));
  if (!ref.tag && !ref.digest) return { ...ref, tag: 'latest' };
  return ref;
}

/** Verifies the image `key` names against `policy`. */
export async function verifyImageRef(key: string, policy: GatePolicy, o: VerifyRefOptions): Promise<GateVerdict> {
  const ref = parseImageKey(key, o.layoutDirectories === true);
  if (!ref.digest && policy.requireDigest) throw keyError(`policy ${policy.name} requires an image pinned by digest (@sha256:...), not a tag`, key.slice(0, 200));
  const prepared = o.prepared ?? (await preparePolicy(policy, o));
  const now = o.now?.() ?? new Date();
  const store = await (o.openImageStore ?? o.openStore)(ref);
  try {
    const subject = await resolveReference(store, ref);
    const repository = formatReference({ ...ref, tag: undefined, digest: undefined });
    const base = {
      image: `${repository}@${subject.digest}`,
      subject: subject.digest,
      pinned: ref.digest !== undefined,
      policy: policy.name,
      policyDigest: prepared.digest,
      layout: prepared.layout.digest,
      trustAnchor: prepared.anchor.digest,
      ...(prepared.anchor.version !== undefined ? { trustRootVersion: prepared.anchor.version } : {}),
      ...(earliest(prepared) ? { expires: earliest(prepared) } : {}),
      checkedAt: now,
    };
    o.onResolved?.({ image: base.image, subject: base.subject, pinned: base.pinned });
    if (o.summaries) {
      const summary = await findSummary(store, subject, prepared, o.summaries, now);
      if (summary) return { ...base, verdict: 'pass', source: 'summary', inputAttestations: [summary] };
    }
    let verification: ImageVerification;
    try {
      verification = await verifyImage({
        store, subject, layout: prepared.layout.document, origin: prepared.layout.origin, now,
        layoutKeys: prepared.anchor.keys,
        ...(prepared.anchor.threshold ? { layoutThreshold: prepared.anchor.threshold } : {}),
        ...(prepared.anchor.revoked ? { revoked: prepared.anchor.revoked } : {}),
        ...(policy.platform ? { platform: policy.platform } : {}),
        ...(policy.parameters ? { parameters: policy.parameters } : {}),
        ...(o.commandInspections ? { commandInspections: o.commandInspections } : {}),
        ...(o.allowUnbound ? { allowUnbound: true } : {}),
        ...(o.trustedRoot ? { trustedRoot: o.trustedRoot } : {}),
      });
    } catch (err) {
      // A check that throws on the content (a bad signature, a malformed document) is a
      // failed verification; registry and network trouble stays an error (nothing is decided).
      if (o.errorsAsVerdicts !== false && isCairnError(err) && failureClass(err.code) !== 'system' && err.code !== 'INTERNAL') {
        return { ...base, verdict: 'fail', source: 'verified', reason: err.message, code: err.code, inputAttestations: [] };
      }
      throw err;
    }
    const failed = verification.platforms.find((p) => p.report.verdict === 'fail');
    const f = failed?.report.failure;
    return {
      ...base,
      verdict: verification.verdict,
      source: 'verified',
      ...(verification.verdict === 'fail' ? { reason: `${failed?.platform ? `${failed.platform}: ` : ''}${f ? `${f.item ? `${f.item}: ` : ''}${f.message}` : 'verification failed'}` } : {}),
      inputAttestations: acceptedReferrers(verification),
      verification,
    };
  } finally {
    await closeStore(store).catch(() => undefined);
  }
}

/** The referrers whose evidence counted, sorted: the inputs a verification summary names. */
export function acceptedReferrers(verification: ImageVerification): string[] {
  // the structured source of each counted piece of evidence says which referrer it came from
  const inputs = verification.platforms.flatMap((p) => p.report.checks.flatMap((c) => (c.check === 'step-evidence' ? c.evidence : []).flatMap((e) => (e.accepted && e.source.store === 'referrers' ? [e.source.digest] : []))));
  return [...new Set(inputs)].sort();
}

function earliest(p: PreparedPolicy): Date | undefined {
  const dates = [p.layout.expires, p.anchor.expires].filter((d): d is Date => d !== undefined);
  return dates.length ? new Date(Math.min(...dates.map((d) => d.getTime()))) : undefined;
}
