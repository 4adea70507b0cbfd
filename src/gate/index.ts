// The deploy gate's library side: "may this image run under that policy?" as one call
// (verifyImageRef), with the policy pinned by digest (layout, trust root), and verdicts shared
// through the registry as signed verification summaries. The server (src/serve) and the CLI call it.
export { type GatePolicy, type LayoutSigners } from './policy.js';
export { type TrustStateStore, trustStatePath, fileTrustState, memoryTrustState } from './trust-state.js';
export { type WalkPinnedOptions, walkPinnedTrustRoot } from './trust-root.js';
export { type TrustAnchor, type PreparedPolicy, type PrepareOptions, preparePolicy, policyDigest, trustAnchor, loadPinnedLayout } from './prepare.js';
export { type GateVerdict, type VerifyRefOptions, type GateErrorKind, gateErrorKind, parseImageKey, verifyImageRef, acceptedReferrers } from './verify-ref.js';
export { type SummaryTrust, ANNOTATION_TRUST_ANCHOR, ANNOTATION_POLICY_DIGEST, findSummary, publishSummary } from './summary.js';
