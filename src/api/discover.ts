import { repairReferrers, resolveReference, type RepairResult } from '../oci/index.js';
import { discover, predicateTypeOf, type DiscoveredNode } from '../attest/index.js';
import { discoverEvidence, verifyAttestations, type AttestationVerdict, type EvidenceReport } from '../attest/ecosystem/index.js';
import type { PublicKey } from '../crypto/index.js';
import type { IdentityPolicy } from '../sigstore/index.js';
import { openRef, withStores, type StoreAccess } from './access.js';
import { repositoryOf } from './reference.js';
import { loadTrustedRoot, type TrustedRootSource } from './trust-material.js';

// What is attached to an image, as oras discover shows it (platforms, referrers of referrers),
// and the evidence every tool attached (Cairn, cosign, Sigstore bundles, BuildKit, notation,
// oras), read and checked; and cosign's verify-attestation without a layout.

export type { AttestationVerdict, DiscoveredNode, EvidenceReport, RepairResult };

/** Keys and a Sigstore trusted root (a file or a pinned reference) to check foreign evidence with. */
export interface EvidenceTrust {
  keys?: readonly PublicKey[];
  trustedRoot?: TrustedRootSource;
}

/** What discoverImage found. */
export interface Discovery {
  /** `host/repo@sha256:...` */
  readonly image: string;
  readonly subject: string;
  readonly tree: DiscoveredNode;
  readonly evidence: EvidenceReport[];
  /** With `repair`: what the repair of the referrers index did. */
  readonly repaired?: RepairResult;
}

/** The referrers tree and the evidence of `subject`. */
export async function discoverImage(o: StoreAccess & EvidenceTrust & { subject: string; artifactType?: string; predicateType?: string; depth: number; maxLayerBytes: number; repair?: boolean }): Promise<Discovery> {
  const { ref, store } = await openRef(o.subject, o);
  return withStores([store], async () => {
    const subject = await resolveReference(store, ref);
    const repaired = o.repair ? await repairReferrers(store, subject) : undefined;
    const tree = await discover(store, subject, { artifactType: o.artifactType, depth: o.depth });
    const trustedRoot = o.trustedRoot !== undefined ? await loadTrustedRoot(o.trustedRoot, o) : undefined;
    const items = await discoverEvidence(store, subject, {
      keys: [...(o.keys ?? [])],
      ...(trustedRoot ? { trustedRoot } : {}),
      ...(o.artifactType ? { artifactType: o.artifactType } : {}),
      ...(o.predicateType ? { predicateType: o.predicateType } : {}),
      maxLayerBytes: o.maxLayerBytes,
    });
    return { image: `${repositoryOf(ref)}@${subject.digest}`, subject: subject.digest, tree, evidence: items.map((i) => i.report), ...(repaired ? { repaired } : {}) };
  });
}

/** Which attestations attached to `subject` verify with the keys or the certificate identity. */
export async function verifyImageAttestations(o: StoreAccess & EvidenceTrust & { subject: string; identity?: IdentityPolicy; predicateType?: string }): Promise<{ subject: string; predicateType?: string; verdicts: AttestationVerdict[] }> {
  const predicateType = o.predicateType ? predicateTypeOf(o.predicateType) : undefined;
  const trustedRoot = o.trustedRoot !== undefined ? await loadTrustedRoot(o.trustedRoot, o) : undefined;
  const { ref, store } = await openRef(o.subject, o);
  return withStores([store], async () => {
    const subject = await resolveReference(store, ref);
    const verdicts = await verifyAttestations(store, subject, { keys: [...(o.keys ?? [])], ...(o.identity ? { identity: o.identity } : {}), ...(trustedRoot ? { trustedRoot } : {}), ...(predicateType ? { predicateType } : {}) });
    return { subject: subject.digest, ...(predicateType ? { predicateType } : {}), verdicts };
  });
}
