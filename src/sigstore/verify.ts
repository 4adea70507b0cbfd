import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier, type TrustMaterial } from '@sigstore/verify';
import { CairnError } from '../errors.js';
import type { BundleFacts, CertificateIdentity } from './bundle.js';

// Keyless Sigstore verification, offline: the certificate chains to a Fulcio CA of the trusted
// root the user gave, the transparency-log entry is included (inclusion proof or promise,
// checked against the root's Rekor keys; required when the root lists a log, see thresholds),
// timestamps (log or RFC 3161 TSA) fall within the certificate's validity, SCTs verify against
// the root's CT logs, and the signature verifies over the DSSE PAE. All of it is @sigstore/verify's Verifier: no network call is made (its
// trust material is only what the trusted_root.json holds; nothing is fetched).
// Spec: https://github.com/sigstore/architecture-docs/blob/main/client-spec.md#4-verification

/** A trusted_root.json (`application/vnd.dev.sigstore.trustedroot+json;version=0.1`), ready to verify with. */
export interface SigstoreTrustedRoot {
  readonly material: TrustMaterial;
  /** Where it came from, for reports (`trusted root FILE` or `REF@sha256:…`). */
  readonly origin: string;
}

/** Reads a trusted_root.json (parsed JSON); TRUST_ROOT_INVALID when it is not one. */
export function loadSigstoreTrustedRoot(json: unknown, origin: string): SigstoreTrustedRoot {
  let root: TrustedRoot;
  try {
    root = TrustedRoot.fromJSON(json);
  } catch (err) {
    throw new CairnError('TRUST_ROOT_INVALID', `not a Sigstore trusted root: ${(err as Error).message}`, { where: origin, cause: err });
  }
  if (root.certificateAuthorities.length === 0 || (root.tlogs.length === 0 && root.timestampAuthorities.length === 0)) {
    throw new CairnError('TRUST_ROOT_INVALID', 'not a Sigstore trusted root: it needs a certificate authority, and a transparency log or a timestamp authority', { where: origin });
  }
  return { material: toTrustMaterial(root), origin };
}

/** Who must have signed: a SAN (exact, or an anchored regular expression) and the OIDC issuer (exact). */
export interface IdentityPolicy {
  readonly subjectAlternativeName?: string;
  readonly subjectAlternativeNameRegexp?: string;
  readonly issuer: string;
}

/** What a verified bundle proves: the signer's certificate identity and its public key (SPKI PEM). */
export interface VerifiedBundle {
  readonly identity: CertificateIdentity;
  readonly publicKeyPem: string;
}

// What a bundle must carry is what the root says is in use, as `gh attestation verify` decides
// per trust domain: a root that lists a transparency log (the public-good instance) requires an
// entry in it, and one that lists none (GitHub's instance for private repositories: a Fulcio CA
// and a timestamp authority) requires none; likewise SCTs from a CT log only if the root lists
// one. The Verifier always wants one verified timestamp (an RFC 3161 one from a TSA of the root,
// or a log entry's integrated time), so a root without a log still needs a signed timestamp.
function thresholds(m: TrustMaterial): { tlogThreshold: number; ctlogThreshold: number } {
  return { tlogThreshold: m.tlogs.length > 0 ? 1 : 0, ctlogThreshold: m.ctlogs.length > 0 ? 1 : 0 };
}

/** Verifies a keyless bundle against the trusted root; SIGNATURE_INVALID (with the verifier's reason) otherwise. */
export function verifySigstoreBundle(facts: BundleFacts, root: SigstoreTrustedRoot, where?: string): VerifiedBundle {
  if (!facts.certificate) throw new CairnError('SIGNATURE_INVALID', 'the bundle is signed by a key, not a certificate: verify it with that key', { where });
  try {
    const signer = new Verifier(root.material, thresholds(root.material)).verify(toSignedEntity(facts.bundle));
    const identity: CertificateIdentity = {
      ...(signer.identity?.subjectAlternativeName ? { subjectAlternativeName: signer.identity.subjectAlternativeName } : {}),
      ...(signer.identity?.extensions?.issuer ? { issuer: signer.identity.extensions.issuer } : {}),
    };
    return { identity, publicKeyPem: signer.key.export({ type: 'spki', format: 'pem' }).toString() };
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new CairnError('SIGNATURE_INVALID', `Sigstore bundle does not verify against ${root.origin}: ${code ? `${code}: ` : ''}${(err as Error).message}`, { where, cause: err });
  }
}

/** Whether a verified identity meets a policy. A regexp matches the whole SAN (cosign's is unanchored; ours is not). */
export function identityMatches(identity: CertificateIdentity, policy: IdentityPolicy): boolean {
  if (identity.issuer === undefined || identity.issuer !== policy.issuer) return false;
  const san = identity.subjectAlternativeName;
  if (san === undefined) return false;
  if (policy.subjectAlternativeName !== undefined && san !== policy.subjectAlternativeName) return false;
  if (policy.subjectAlternativeNameRegexp !== undefined && !new RegExp(`^(?:${policy.subjectAlternativeNameRegexp})$`, 'u').test(san)) return false;
  return policy.subjectAlternativeName !== undefined || policy.subjectAlternativeNameRegexp !== undefined;
}
