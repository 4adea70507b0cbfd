import { createPublicKey } from 'node:crypto';
import { publicKeyFrom, type PublicKey } from '../crypto/index.js';
import type { Step } from '../intoto/index.js';
import { identityMatches } from '../sigstore/index.js';
import type { AuthorisedKey } from '../evidence/index.js';
import type { Examined } from './examine.js';

// Keyless functionaries: a step's certificate_identities (SAN exact or regexp, plus the OIDC
// issuer) matched against the certificate of a Sigstore bundle that the evidence source already
// verified offline against the user's trusted root (chain to Fulcio, log inclusion, timestamps,
// signature over the envelope). A match signs as `identity:<SAN>`; two bundles by the same
// identity count once toward the threshold, as two signatures by one key do.

const keys = new Map<string, PublicKey>();

/** The identity signers of an item for a step (none unless the step lists identities). */
export function identitySigners(item: Examined, step: Step): AuthorisedKey[] {
  const policies = step.certificate_identities ?? [];
  if (!item.keyless || policies.length === 0) return [];
  const id = item.keyless.identity;
  const matched = policies.some((p) => identityMatches(id, {
    issuer: p.oidc_issuer,
    ...(p.subject_alternative_name !== undefined ? { subjectAlternativeName: p.subject_alternative_name } : {}),
    ...(p.subject_alternative_name_regexp !== undefined ? { subjectAlternativeNameRegexp: p.subject_alternative_name_regexp } : {}),
  }));
  if (!matched) return [];
  const keyId = `identity:${id.subjectAlternativeName}`;
  // One PublicKey per identity, so that the threshold counts identities, not certificates.
  let key = keys.get(keyId);
  if (!key) {
    key = { ...publicKeyFrom(createPublicKey(item.keyless.publicKeyPem)), fingerprint: `identity:${id.issuer}:${id.subjectAlternativeName}` } as PublicKey;
    keys.set(keyId, key);
  }
  return [{ keyId, key }];
}
