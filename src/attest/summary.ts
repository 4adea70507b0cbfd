import { digestHex, type Digest } from '../digest/index.js';
import { VERIFICATION_SUMMARY_V1 } from '../intoto/index.js';
import type { Statement } from '../schema/index.js';
import { imageStatement } from './statement.js';

// The result of `cairn verify` as a signed SLSA Verification Summary Attestation, pushed back
// as a referrer of the image so that a deploy gate can find a recent positive verification
// without re-verifying. Spec: https://slsa.dev/spec/v1.0/verification_summary

/** Cairn's verifier id in summaries. */
export const VERIFIER_ID = 'https://github.com/cairn-supply-chain/cairn';

export interface SummaryInput {
  /** `registry/repo` (or `oci:DIR`) of the image, for the subject name and resourceUri. */
  repository: string;
  /** The image (or index) digest verified. */
  image: Digest;
  /** Where the layout came from and its digest (the policy). */
  policy: { uri: string; digest: Digest; annotations?: Record<string, string> };
  /** The referrers that counted, by digest. */
  inputAttestations: Digest[];
  passed: boolean;
  version: string;
  time?: Date;
}

/** A VSA v1 Statement about the verified image. */
export function verificationSummary(s: SummaryInput): Statement {
  const time = (s.time ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return imageStatement(s.repository, s.image, VERIFICATION_SUMMARY_V1, {
    verifier: { id: VERIFIER_ID, version: { cairn: s.version } },
    timeVerified: time,
    resourceUri: `${s.repository}@${s.image}`,
    policy: { uri: s.policy.uri, digest: { sha256: digestHex(s.policy.digest) }, ...(s.policy.annotations ? { annotations: s.policy.annotations } : {}) },
    inputAttestations: [...new Set(s.inputAttestations)].sort().map((d) => ({ uri: d, digest: { sha256: digestHex(d) } })),
    verificationResult: s.passed ? 'PASSED' : 'FAILED',
    verifiedLevels: [],
  });
}
