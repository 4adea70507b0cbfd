// Sigstore: bundles and their keyless, offline verification. The only module that imports
// @sigstore/* (checked by test/unit/architecture.test.ts).
export { certificateIdentity, readSigstoreBundle, type BundleFacts, type CertificateIdentity } from './bundle.js';
export { identityMatches, loadSigstoreTrustedRoot, verifySigstoreBundle, type IdentityPolicy, type SigstoreTrustedRoot, type VerifiedBundle } from './verify.js';
