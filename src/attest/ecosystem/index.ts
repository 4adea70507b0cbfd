// Evidence as the ecosystem writes it (cosign, Sigstore bundles, BuildKit, notation, oras):
// where it is, what it is, and whether it verifies.
export * from './conventions.js';
export { finder, type FoundItem } from './find.js';
export { readLayer, type EnvelopeKind, type LayerFacts, type Signer as EvidenceSigner, type TrustMaterial, type Verification } from './layers.js';
export { discoverEvidence, inspectItem, namesDigest, type EvidenceDiscoveryOptions, type EvidenceReport, type InspectedItem, type LayerReport as EvidenceLayerReport } from './inspect.js';
export { verifyAttestations, type AttestationVerdict, type VerifyAttestationsOptions } from './verify-attestations.js';
