import { CairnError } from '../errors.js';
import { decodeBase64, encodeBase64, parseJson } from '../encoding/index.js';
import { EnvelopeSchema, parseWith, type Envelope } from '../schema/index.js';
import { verifySignature, type PublicKey, type Signer, type Verifier } from '../crypto/index.js';
import { pae, paeFromBase64 } from './pae.js';

/** The in-toto payload type for Statements, and (in Python and Go) for raw links and layouts. */
export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** What verification hands on: the exact signed bytes and who signed them. Never the envelope. */
export interface VerifiedPayload {
  readonly payloadType: string;
  readonly payload: Buffer;
  /** Distinct trusted keys with a valid signature, in the order first found. */
  readonly signers: PublicKey[];
}

/** Parses an envelope from JSON text or bytes. */
export function parseEnvelope(data: string | Uint8Array, where?: string): Envelope {
  return parseWith(EnvelopeSchema, parseJson(data, where), where);
}

/** Signs a payload with each signer and returns the envelope (signature keyids are hints). */
export async function signEnvelope(payloadType: string, payload: Uint8Array, signers: Signer[]): Promise<Envelope> {
  const bytes = pae(payloadType, payload);
  const signatures = [];
  for (const s of signers) signatures.push({ keyid: s.keyId, sig: encodeBase64(await s.sign(bytes)) });
  return { payloadType, payload: encodeBase64(payload), signatures };
}

/** Adds signatures to an envelope over the same payload, replacing any made by the same keys. */
export async function addSignatures(env: Envelope, signers: Signer[], where?: string): Promise<Envelope> {
  const payload = decodeBase64(env.payload, where ? `${where}: payload` : 'payload');
  const bytes = pae(env.payloadType, payload);
  const kept = env.signatures.filter((sig) => {
    const raw = tryDecode(sig.sig);
    return !raw || !signers.some((s) => verifySignature(s.publicKey, bytes, raw));
  });
  const fresh = await signEnvelope(env.payloadType, payload, signers);
  return { ...env, signatures: [...kept, ...fresh.signatures] };
}

function tryDecode(s: string): Buffer | undefined {
  try {
    return decodeBase64(s);
  } catch {
    return undefined;
  }
}

/**
 * Which of the given verifiers signed the envelope. Every signature is tried against every
 * verifier (the keyid is an unauthenticated hint, used only to try the likely key first), and
 * keys are counted once however many signatures they made.
 */
export function envelopeSigners(env: Envelope, verifiers: Verifier[], where?: string): VerifiedPayload {
  let signed = paeFromBase64(env.payloadType, env.payload);
  if (!signed) {
    const decoded = decodeBase64(env.payload, where ? `${where}: payload` : 'payload');
    signed = { payload: decoded, bytes: pae(env.payloadType, decoded) };
  }
  const { payload, bytes } = signed;
  const signers: PublicKey[] = [];
  const seen = new Set<string>();
  for (const sig of env.signatures) {
    const raw = tryDecode(sig.sig);
    if (!raw) continue;
    const ordered = [...verifiers].sort((a, b) => Number(b.publicKey.keyIds.has(sig.keyid ?? '')) - Number(a.publicKey.keyIds.has(sig.keyid ?? '')));
    for (const v of ordered) {
      if (seen.has(v.publicKey.fingerprint)) continue;
      if (v.verify(bytes, raw)) {
        seen.add(v.publicKey.fingerprint);
        signers.push(v.publicKey);
        break;
      }
    }
  }
  return { payloadType: env.payloadType, payload, signers };
}

/** Verifies that at least `threshold` distinct given keys signed the envelope; returns the payload. */
export function verifyEnvelope(env: Envelope, verifiers: Verifier[], threshold = 1, where?: string): VerifiedPayload {
  if (threshold < 1) throw new CairnError('INVALID_ARGUMENT', 'threshold must be at least 1', { where });
  const result = envelopeSigners(env, verifiers, where);
  if (result.signers.length < threshold) {
    const msg = threshold === 1
      ? 'no valid signature by a trusted key'
      : `needs ${threshold} signatures by distinct trusted keys, found ${result.signers.length}`;
    throw new CairnError('SIGNATURE_INVALID', msg, { where });
  }
  return result;
}
