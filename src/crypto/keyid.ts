import { canonicalBytes } from '../encoding/index.js';
import { sha256Hex } from '../digest/index.js';

// Keyids are sha256 over the canonical JSON of the public key dictionary. Two generations exist:
// securesystemslib < 1.0 (Debian in-toto 1.3.1, in-toto-golang) includes keyid_hash_algorithms;
// securesystemslib >= 1.0 (in-toto >= 2) leaves it out. The same key therefore has two ids, and
// a PEM value hashed with or without its trailing newline gives two more. A layout's `keys` map
// says which one is meant; Cairn accepts them all when matching a key to a keyid.
// Sources: securesystemslib 0.26 keys.py _get_keyid; securesystemslib signer/_utils.py.

export const LEGACY_KEYID_HASH_ALGORITHMS = ['sha256', 'sha512'];

export interface KeyIdInput {
  keytype: string;
  scheme: string;
  public: string;
  keyidHashAlgorithms?: string[];
}

/** The keyid in-toto 1.x and in-toto-golang compute (with keyid_hash_algorithms). */
export function legacyKeyId(k: KeyIdInput): string {
  return sha256Hex(
    canonicalBytes({
      keyid_hash_algorithms: k.keyidHashAlgorithms ?? LEGACY_KEYID_HASH_ALGORITHMS,
      keytype: k.keytype,
      keyval: { public: k.public },
      scheme: k.scheme,
    }),
  );
}

/** The keyid securesystemslib >= 1.0 computes (no keyid_hash_algorithms). */
export function newKeyId(k: KeyIdInput): string {
  return sha256Hex(canonicalBytes({ keytype: k.keytype, keyval: { public: k.public }, scheme: k.scheme }));
}

/** Every keyid the same key may be known by: both generations, PEM with and without newline. */
export function allKeyIds(k: KeyIdInput): Set<string> {
  const values = new Set([k.public]);
  if (k.public.startsWith('-----BEGIN')) {
    const bare = k.public.replace(/\n+$/, '');
    values.add(bare).add(`${bare}\n`);
  }
  const ids = new Set<string>();
  for (const v of values) {
    const input = { ...k, public: v };
    ids.add(legacyKeyId(input));
    ids.add(newKeyId(input));
    if (k.keyidHashAlgorithms) ids.add(legacyKeyId({ ...input, keyidHashAlgorithms: undefined }));
  }
  return ids;
}
