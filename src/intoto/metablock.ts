import { CairnError } from '../errors.js';
import { canonicalBytes, decodeHex } from '../encoding/index.js';
import { signBytes, verifySignature, type PrivateKey, type PublicKey, type Verifier } from '../crypto/index.js';

// The legacy signed wrapper of in-toto 0.9 / Debian in-toto 1.3.1 / in-toto-golang:
// {"signed": <link|layout>, "signatures": [{"keyid", "sig": <hex>}]}, each signature over the
// UTF-8 canonical JSON of `signed` exactly as received. Signatures are checked over the raw
// parsed object, so fields Cairn does not model (ITE-7's rootcas, say) stay covered.

export interface MetablockSignature {
  keyid: string;
  sig: string;
  [extra: string]: unknown;
}

/** A legacy Metablock with its `signed` part kept as the raw JSON object. */
export interface RawMetablock {
  signed: Record<string, unknown>;
  signatures: MetablockSignature[];
}

/** Signs `signed` with each key (canonical JSON, hex signatures keyed by legacy keyid). */
export function signMetablock(signed: Record<string, unknown>, keys: PrivateKey[]): RawMetablock {
  const bytes = canonicalBytes(signed);
  return { signed, signatures: keys.map((k) => ({ keyid: k.publicKey.keyId, sig: signBytes(k, bytes).toString('hex') })) };
}

/** Re-signs: keeps every signature not made by one of `keys`, replaces those that were. */
export function addMetablockSignatures(mb: RawMetablock, keys: PrivateKey[]): RawMetablock {
  const bytes = canonicalBytes(mb.signed);
  const kept = mb.signatures.filter((s) => {
    const sig = tryHex(s.sig);
    return !sig || !keys.some((k) => k.publicKey.keyIds.has(s.keyid) || verifySignature(k.publicKey, bytes, sig));
  });
  return { signed: mb.signed, signatures: [...kept, ...signMetablock(mb.signed, keys).signatures] };
}

function tryHex(s: string): Buffer | undefined {
  try {
    return decodeHex(s);
  } catch {
    return undefined;
  }
}

/**
 * Which of the given verifiers signed the Metablock, each key counted once. As in in-toto
 * 1.3.1, a key's signature is the first one whose keyid is a keyid of that key (exactly, case
 * included), and only that one is checked: a bad signature followed by a good one under the same
 * keyid does not count, and a signature under a keyid that names no key (or another key)
 * counts for nobody. Cairn knows a key by each of its keyids (both securesystemslib
 * generations; see crypto/keyid.ts), in-toto 1.3.1 by one of them.
 * Source: in-toto 1.3.1 models/metadata.py Metablock.verify_signature.
 */
export function metablockSigners(mb: RawMetablock, verifiers: Verifier[]): PublicKey[] {
  const bytes = canonicalBytes(mb.signed);
  const found: PublicKey[] = [];
  const seen = new Set<string>();
  for (const v of verifiers) {
    const key = v.publicKey;
    if (seen.has(key.fingerprint)) continue;
    const s = mb.signatures.find((x) => typeof x.keyid === 'string' && key.keyIds.has(x.keyid));
    const sig = s && typeof s.sig === 'string' ? tryHex(s.sig) : undefined;
    if (sig && v.verify(bytes, sig)) {
      seen.add(key.fingerprint);
      found.push(key);
    }
  }
  return found;
}

/** Throws SIGNATURE_INVALID unless every one of `required` signed the Metablock. */
export function requireMetablockSigners(mb: RawMetablock, required: Verifier[], where?: string): PublicKey[] {
  const found = metablockSigners(mb, required);
  const have = new Set(found.map((k) => k.fingerprint));
  const missing = required.find((v) => !have.has(v.publicKey.fingerprint));
  if (missing) {
    throw new CairnError('SIGNATURE_INVALID', `no valid signature by key ${missing.keyId.slice(0, 8)}`, { where });
  }
  return found;
}
