// Evidence in registries: signed documents as OCI referrers (attach), Statements about images
// (attest), layouts as artifacts (layout push/pull), and the tree of what is attached (discover).
// Other tools' evidence (cosign, Sigstore bundles, BuildKit, notation) is ./ecosystem/index.ts, a
// barrel of its own: it loads @sigstore, which attest and attach never use (their start-up path).
export * from './mediatypes.js';
export { buildArtifact, documentFacts, layerMediaType, type BuiltArtifact, type DocumentFacts, type ArtifactOptions } from './artifact.js';
export { attach, prepareAttach, type AttachOptions, type AttachResult } from './attach.js';
export { readAttachInputs, type AttachInput } from './inputs.js';
export { pushLayout, pullLayout, type PulledLayout } from './layout.js';
export { discover, allReferrers, type DiscoveredNode, type DiscoverOptions } from './discover.js';
export { PREDICATE_TYPES, predicateTypeOf, imageStatement } from './statement.js';
export { VERIFIER_ID, type SummaryInput, verificationSummary } from './summary.js';
export { TRUST_ROOT_ARTIFACT_TYPE, ANNOTATION_ROOT_VERSION, rootTag, pushTrustRoot, readTrustRoot, storeTrustChain } from './trust-root.js';
