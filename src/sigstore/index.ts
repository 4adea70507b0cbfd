// Sigstore: bundles and their keyless, offline verification. The only module that imports
// @sigstore/* (checked by test/unit/architecture.test.ts).
export { certificateIdentity, readSigstoreBundle, SIGSTORE_BUNDLE_RE, SIGSTORE_BUNDLE_V03, type BundleFacts, type CertificateIdentity } from './bundle.js';
export { identityMatches, loadSigstoreTrustedRoot, verifySigstoreBundle, type IdentityPolicy, type SigstoreTrustedRoot, type VerifiedBundle } from './verify.js';
