import { digestHex, parseDigest, type Digest } from '../digest/index.js';
import { keyVerifier, type PrivateKey, type PublicKey } from '../crypto/index.js';
import { envelopeSigners } from '../dsse/index.js';
import { parseJson } from '../encoding/index.js';
import { INTOTO_PAYLOAD_TYPE } from '../dsse/index.js';
import { VERIFICATION_SUMMARY_V1, signStatement } from '../intoto/index.js';
import { fetchManifestNode, fetchVerified, listReferrers, type ReadOnlyStore, type Store } from '../oci/index.js';
import {
  ANNOTATION_PREDICATE_TYPE,
  DSSE_ENVELOPE_MEDIA_TYPE,
  EVIDENCE_ARTIFACT_TYPE,
  VERIFIER_ID,
  attach,
  verificationSummary,
} from '../attest/index.js';
import { parseEnvelope } from '../dsse/index.js';
import type { Descriptor } from '../schema/index.js';
import type { PreparedPolicy } from './prepare.js';

// Verdicts shared through the registry: after a PASS, a gate with a summary key signs a SLSA
// Verification Summary (VSA) and attaches it to the image; any gate that trusts that key answers
// from it instead of re-verifying. A summary counts only if ALL of these hold: signed by a
// trusted summary key; its subject is this image's digest; it says PASSED; verifier is Cairn;
// its policy is the same layout digest, trust anchor (trust-root version) and whole policy
// digest as ours; it was made within maxAge and not in the future. Anyone who can push to the
// repository can add referrers, so every other summary is ignored, never an error.
// Spec: https://slsa.dev/spec/v1.0/verification_summary

/** Annotation on the VSA's policy descriptor: the trust anchor (newest trust-root version or layout keys). */
export const ANNOTATION_TRUST_ANCHOR = 'dev.cairn.trust-anchor';
/** Annotation on the VSA's policy descriptor: the whole gate policy digest. */
export const ANNOTATION_POLICY_DIGEST = 'dev.cairn.policy-digest';
/** Most summaries examined per image (newest first by listing order is not promised: any 8). */
const MAX_SUMMARIES = 8;
/** A summary may be this far in the future (clock skew between replicas). */
const SKEW_MS = 60_000;

/** Which summaries a gate believes. */
export interface SummaryTrust {
  readonly keys: readonly PublicKey[];
  /** Oldest summary accepted (ms). */
  readonly maxAgeMs: number;
}

/** The digest of a trusted, matching PASSED summary attached to `subject`, if any. */
export async function findSummary(store: ReadOnlyStore, subject: Descriptor, p: PreparedPolicy, trust: SummaryTrust, now: Date): Promise<string | undefined> {
  if (trust.keys.length === 0) return undefined;
  const listed = await listReferrers(store, subject, EVIDENCE_ARTIFACT_TYPE);
  const candidates = listed.filter((d) => d.annotations?.[ANNOTATION_PREDICATE_TYPE] === VERIFICATION_SUMMARY_V1).slice(-MAX_SUMMARIES);
  for (const d of candidates.reverse()) {
    try {
      if (await acceptable(store, d, subject, p, trust, now)) return d.digest;
    } catch {
      // a broken or hostile referrer is ignored, like any evidence that does not check out
    }
  }
  return undefined;
}

async function acceptable(store: ReadOnlyStore, d: Descriptor, subject: Descriptor, p: PreparedPolicy, trust: SummaryTrust, now: Date): Promise<boolean> {
  const node = await fetchManifestNode(store, d);
  if (node.kind !== 'manifest' || node.manifest.subject?.digest !== subject.digest) return false;
  const layer = node.manifest.layers[0];
  if (!layer || layer.mediaType !== DSSE_ENVELOPE_MEDIA_TYPE) return false;
  const envelope = parseEnvelope(await fetchVerified(store, layer, 1024 * 1024, d.digest));
  if (envelope.payloadType !== INTOTO_PAYLOAD_TYPE) return false;
  const verified = envelopeSigners(envelope, trust.keys.map(keyVerifier));
  if (verified.signers.length === 0) return false;
  const s = parseJson(verified.payload) as Record<string, unknown>;
  const pred = (s['predicate'] ?? {}) as Record<string, unknown>;
  const subjects = Array.isArray(s['subject']) ? (s['subject'] as Array<{ digest?: Record<string, unknown> }>) : [];
  if (s['predicateType'] !== VERIFICATION_SUMMARY_V1) return false;
  if (!subjects.some((x) => x?.digest?.['sha256'] === digestHex(subject.digest as Digest))) return false;
  if (pred['verificationResult'] !== 'PASSED') return false;
  if ((pred['verifier'] as { id?: unknown } | undefined)?.id !== VERIFIER_ID) return false;
  const policy = (pred['policy'] ?? {}) as { digest?: Record<string, unknown>; annotations?: Record<string, unknown> };
  if (policy.digest?.['sha256'] !== digestHex(p.layout.digest as Digest)) return false;
  if (policy.annotations?.[ANNOTATION_TRUST_ANCHOR] !== p.anchor.digest) return false;
  if (policy.annotations?.[ANNOTATION_POLICY_DIGEST] !== p.digest) return false;
  const when = Date.parse(String(pred['timeVerified']));
  if (!Number.isFinite(when) || when > now.getTime() + SKEW_MS || now.getTime() - when > trust.maxAgeMs) return false;
  return true;
}

/** Signs a PASS as a VSA bound to the prepared policy and attaches it to the image; returns its digest. */
export async function publishSummary(store: Store, subject: Descriptor, repository: string, p: PreparedPolicy, inputs: readonly string[], key: PrivateKey, version: string, now = new Date()): Promise<string> {
  const statement = verificationSummary({
    repository,
    image: parseDigest(subject.digest),
    policy: { uri: p.layout.origin, digest: parseDigest(p.layout.digest), annotations: { [ANNOTATION_TRUST_ANCHOR]: p.anchor.digest, [ANNOTATION_POLICY_DIGEST]: p.digest } },
    inputAttestations: inputs.map((i) => parseDigest(i)),
    passed: true,
    version,
    time: now,
  });
  const doc = await signStatement(statement, [key]);
  const r = await attach(store, subject, doc);
  return r.descriptor.digest;
}
