import { CairnError } from '../../errors.js';
import type { ReadOnlyStore } from '../../oci/index.js';
import type { Descriptor } from '../../schema/index.js';
import { identityMatches, type IdentityPolicy } from '../../sigstore/index.js';
import { discoverEvidence } from './inspect.js';
import type { TrustMaterial } from './layers.js';

// `cairn verify-attestation`, cosign's `verify-attestation` without a layout: which in-toto
// attestations attached to an image (any convention that signs a Statement) verify with the
// key, or were signed keylessly by the certificate identity and verify offline against the
// trusted root, and name the image in their subject. No layout, no artifact rules.

export interface VerifyAttestationsOptions extends TrustMaterial {
  readonly identity?: IdentityPolicy;
  readonly predicateType?: string;
}

/** One attestation and the verdict on it. */
export interface AttestationVerdict {
  readonly convention: string;
  readonly manifest: string;
  readonly layer: string;
  readonly platform?: string;
  readonly predicateType?: string;
  readonly signer?: string;
  readonly verified: boolean;
  readonly why?: string;
}

const SIGNS_STATEMENTS = new Set(['cairn', 'cosign-attestation', 'sigstore-bundle', 'oras-artifact']);

/** Checks every attestation about `subject`; the caller decides what none verifying means. */
export async function verifyAttestations(store: ReadOnlyStore, subject: Descriptor, o: VerifyAttestationsOptions): Promise<AttestationVerdict[]> {
  if (!o.keys?.length && !o.identity) throw new CairnError('INVALID_ARGUMENT', 'give a key, or a certificate identity and issuer with a trusted root');
  if (o.identity && !o.trustedRoot) throw new CairnError('INVALID_ARGUMENT', 'a certificate identity is checked against a Sigstore trusted root: give one');
  const items = await discoverEvidence(store, subject, { ...o, ...(o.predicateType ? { predicateType: o.predicateType } : {}) });
  const out: AttestationVerdict[] = [];
  for (const item of items) {
    const r = item.report;
    if (!SIGNS_STATEMENTS.has(r.convention)) continue;
    for (const l of item.layers) {
      if (!l.dsse || !l.predicateType) continue;
      const head = { convention: r.convention, manifest: r.manifest, layer: l.digest, ...(r.platform ? { platform: r.platform } : {}), predicateType: l.predicateType };
      const about = r.layers.find((x) => x.digest === l.digest) as { aboutSubject?: boolean } | undefined;
      const reject = (why: string, signer?: string): AttestationVerdict => ({ ...head, ...(signer ? { signer } : {}), verified: false, why });
      let signer: string | undefined;
      if (l.keyless) {
        signer = `${l.keyless.identity.subjectAlternativeName ?? '?'} (${l.keyless.identity.issuer ?? '?'})`;
        if (!o.identity || !identityMatches(l.keyless.identity, o.identity)) { out.push(reject('signed by another identity', signer)); continue; }
      } else if (l.verified.result === 'verified') {
        signer = l.verified.with;
      } else {
        out.push(reject(l.verified.result === 'unsigned' ? 'unsigned' : l.verified.why, l.signer?.identity)); continue;
      }
      if (about?.aboutSubject !== true) { out.push(reject('its Statement is not about this image', signer)); continue; }
      out.push({ ...head, signer, verified: true });
    }
  }
  return out;
}
