import { CairnError } from '../errors.js';
import { digestOf } from '../digest/index.js';
import { canonicalJson } from '../encoding/index.js';
import { closeStore, formatReference, parseReference, resolveReference, type Reference, type Store } from '../oci/index.js';
import { pullLayout } from '../attest/index.js';
import { isRevoked, type WalkResult } from '../trust/index.js';
import type { PublicKey } from '../crypto/index.js';
import { verifyDocument, type SignedDocument } from '../intoto/index.js';
import type { RevokedCheck } from '../verify/index.js';
import type { GatePolicy, LayoutSigners } from './policy.js';
import { walkPinnedTrustRoot } from './trust-root.js';
import type { TrustStateStore } from './trust-state.js';

// Everything about a policy that does not depend on the image: the layout fetched by its pinned
// digest, and the keys that must have signed it (the trust root walked to its newest version).
// Its digests name the decision: a verdict is valid only for the same layout digest and the same
// trust anchor (the newest trust-root version, or the exact set of layout keys), so a rotated
// root or a re-pinned layout changes every cache key and every summary binding at once.

/** The keys a layout must be signed by, and the digest that names them. */
export interface TrustAnchor {
  readonly keys: PublicKey[];
  readonly threshold?: number;
  readonly revoked?: RevokedCheck;
  /** sha256 of the newest trust-root version, or of the sorted key fingerprints. */
  readonly digest: string;
  /** The trust-root version walked to (absent for plain keys). */
  readonly version?: number;
  /** When the newest trust-root version expires. */
  readonly expires?: Date;
  /** The walk that found the keys (trust roots only). */
  readonly walk?: WalkResult;
}

/** A policy ready to verify images with. */
export interface PreparedPolicy {
  readonly policy: GatePolicy;
  readonly layout: { readonly document: SignedDocument; readonly digest: string; readonly origin: string; readonly expires?: Date };
  readonly anchor: TrustAnchor;
  /** sha256 over layout digest, anchor digest, platform and parameters: the policy as decided. */
  readonly digest: string;
}

export interface PrepareOptions {
  /** Opens the store a reference names (the caller's registry access). */
  openStore: (ref: Reference) => Promise<Store>;
  /** Newest trust-root version seen before (rollback protection). */
  trustState?: TrustStateStore;
  now?: () => Date;
  onWarning?: (line: string) => void;
}

/** Fetches the pinned layout and walks the trust anchor. */
export async function preparePolicy(policy: GatePolicy, o: PrepareOptions): Promise<PreparedPolicy> {
  const [layout, anchor] = await Promise.all([loadPinnedLayout(policy.layout, o.openStore), trustAnchor(policy.signers, o, `policy ${policy.name}`)]);
  return { policy, layout, anchor, digest: policyDigest(policy, layout.digest, anchor.digest) };
}

/** The digest that names a decision: layout, trust anchor, platform and parameters. */
export function policyDigest(policy: Pick<GatePolicy, 'platform' | 'parameters'>, layoutDigest: string, anchorDigest: string): string {
  return digestOf(canonicalJson({ layout: layoutDigest, anchor: anchorDigest, platform: policy.platform ?? '', parameters: policy.parameters ?? {} }));
}

/** A layout artifact by digest only: a tag could point elsewhere tomorrow. */
export async function loadPinnedLayout(text: string, openStore: PrepareOptions['openStore']): Promise<PreparedPolicy['layout']> {
  const ref = parseReference(text);
  if (!ref.digest) throw new CairnError('INVALID_ARGUMENT', 'pin the layout by digest (REF@sha256:...)', { where: text, details: { reason: 'not-pinned' } });
  const store = await openStore(ref);
  try {
    const desc = await resolveReference(store, ref);
    const pulled = await pullLayout(store, desc);
    // the expiry read without checking signatures: it only shortens cache lifetimes
    const expires = Date.parse(String(verifyDocument(pulled.document, []).body['expires']));
    return { document: pulled.document, digest: desc.digest, origin: formatReference({ ...ref, tag: undefined }), ...(Number.isFinite(expires) ? { expires: new Date(expires) } : {}) };
  } finally {
    await closeStore(store).catch(() => undefined);
  }
}

/** The keys a layout must be signed by: the given keys, or the trust root walked (rollback state in `o.trustState`). */
export async function trustAnchor(s: LayoutSigners, o: PrepareOptions, where: string): Promise<TrustAnchor> {
  if (s.kind === 'keys') {
    if (s.keys.length === 0) throw new CairnError('INVALID_ARGUMENT', 'no layout keys', { where });
    const fingerprints = [...new Set(s.keys.map((k) => k.fingerprint))].sort();
    return { keys: [...s.keys], digest: digestOf(fingerprints.join('\n')) };
  }
  const walked = await walkPinnedTrustRoot(s.root, { openStore: o.openStore, ...(o.trustState ? { state: o.trustState } : {}), ...(o.now ? { now: o.now() } : {}), ...(o.onWarning ? { onWarning: o.onWarning } : {}) });
  return {
    keys: walked.keys,
    threshold: walked.root.threshold,
    revoked: (k) => isRevoked(walked.root, k.keyIds),
    digest: walked.digest,
    version: walked.root.version,
    expires: new Date(walked.root.expires),
    walk: walked,
  };
}
