import { constants, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import type { PrivateKey, PublicKey, Scheme } from './keys.js';

// The DSSE ports of go-securesystemslib: bytes in, bytes out. ECDSA signatures are ASN.1 DER
// (securesystemslib, in-toto-golang); raw r||s (the DSSE spec vector) is accepted when verifying.
// RSA-PSS signs with MGF1-SHA256 and salt length 32, the one length Go verifies; verification
// accepts any salt length, as Python's signers vary.

/** Signs bytes with one key. */
export interface Signer {
  readonly keyId: string;
  readonly publicKey: PublicKey;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** Checks a signature over bytes with one key. */
export interface Verifier {
  readonly keyId: string;
  readonly publicKey: PublicKey;
  verify(data: Uint8Array, sig: Uint8Array): boolean;
}

const ECDSA_HASH: Partial<Record<Scheme, string>> = {
  'ecdsa-sha2-nistp256': 'sha256',
  'ecdsa-sha2-nistp384': 'sha384',
  'ecdsa-sha2-nistp521': 'sha512',
};

/** Signs `data` with a private key according to the key's scheme. */
export function signBytes(key: PrivateKey, data: Uint8Array): Buffer {
  const { scheme } = key.publicKey;
  const k: KeyObject = key.keyObject;
  if (scheme === 'ed25519') return nodeSign(null, data, k);
  if (scheme === 'rsassa-pss-sha256') {
    return nodeSign('sha256', data, { key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  }
  return nodeSign(ECDSA_HASH[scheme]!, data, { key: k, dsaEncoding: 'der' });
}

/** Verifies `sig` over `data`; never throws for a malformed signature, just returns false. */
export function verifySignature(key: PublicKey, data: Uint8Array, sig: Uint8Array): boolean {
  const k = key.keyObject;
  try {
    switch (key.scheme) {
      case 'ed25519':
        return sig.length === 64 && nodeVerify(null, data, k, sig);
      case 'rsassa-pss-sha256':
        return nodeVerify('sha256', data, { key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig);
      default: {
        const hash = ECDSA_HASH[key.scheme]!;
        if (sig[0] === 0x30 && safeVerify(() => nodeVerify(hash, data, { key: k, dsaEncoding: 'der' }, sig))) return true;
        return safeVerify(() => nodeVerify(hash, data, { key: k, dsaEncoding: 'ieee-p1363' }, sig));
      }
    }
  } catch {
    return false;
  }
}

function safeVerify(f: () => boolean): boolean {
  try {
    return f();
  } catch {
    return false;
  }
}

/** A Signer over a loaded private key. */
export function keySigner(key: PrivateKey): Signer {
  return {
    keyId: key.publicKey.keyId,
    publicKey: key.publicKey,
    sign: async (data) => signBytes(key, data),
  };
}

/** A Verifier over a public key. */
export function keyVerifier(key: PublicKey): Verifier {
  return {
    keyId: key.keyId,
    publicKey: key,
    verify: (data, sig) => verifySignature(key, data, sig),
  };
}
