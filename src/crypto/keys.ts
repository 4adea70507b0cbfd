import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { CairnError } from '../errors.js';
import { parseJson } from '../encoding/index.js';
import { KeySchema, parseWith, type KeyDict } from '../schema/index.js';
import { allKeyIds, legacyKeyId, LEGACY_KEYID_HASH_ALGORITHMS } from './keyid.js';

// Keys come in every form the in-toto tools write: PEM (PKCS#8, SPKI, PKCS#1 RSA, SEC1 EC,
// encrypted PKCS#8, X.509 certificates) and securesystemslib JSON key files. The type is told
// from the contents. Node's crypto does all the parsing and all the signing: it has every
// algorithm in-toto uses and its ed25519 is about 15x faster than a pure-JS one.

export type KeyType = 'ed25519' | 'ecdsa' | 'rsa';
export type Scheme =
  | 'ed25519'
  | 'ecdsa-sha2-nistp256'
  | 'ecdsa-sha2-nistp384'
  | 'ecdsa-sha2-nistp521'
  | 'rsassa-pss-sha256';

const CURVE_SCHEMES: Record<string, Scheme> = {
  prime256v1: 'ecdsa-sha2-nistp256',
  secp384r1: 'ecdsa-sha2-nistp384',
  secp521r1: 'ecdsa-sha2-nistp521',
};

/** A public key with the identities in-toto gives it. */
export interface PublicKey {
  readonly keyType: KeyType;
  readonly scheme: Scheme;
  readonly keyObject: KeyObject;
  /** securesystemslib `keyval.public`: raw hex for ed25519, SPKI PEM otherwise. */
  readonly publicValue: string;
  /** The keyid this key signs with and is named by (legacy form, or as stored in its key file). */
  readonly keyId: string;
  /** Every keyid that denotes this key (both generations, PEM with and without newline). */
  readonly keyIds: ReadonlySet<string>;
  /** sha256 of the SPKI DER: the identity used to count distinct signers. */
  readonly fingerprint: string;
  /** An X.509 certificate the key came from, if any (ITE-7). */
  readonly certificate?: X509Certificate;
}

/** A private key and its public half. */
export interface PrivateKey {
  readonly publicKey: PublicKey;
  readonly keyObject: KeyObject;
}

function keyError(message: string, where?: string, cause?: unknown): CairnError {
  return new CairnError('KEY_INVALID', message, { where, cause });
}

function classify(obj: KeyObject, where?: string): { keyType: KeyType; scheme: Scheme } {
  switch (obj.asymmetricKeyType) {
    case 'ed25519':
      return { keyType: 'ed25519', scheme: 'ed25519' };
    case 'rsa':
      return { keyType: 'rsa', scheme: 'rsassa-pss-sha256' };
    case 'ec': {
      const curve = obj.asymmetricKeyDetails?.namedCurve ?? 'unknown';
      const scheme = CURVE_SCHEMES[curve];
      if (!scheme) throw keyError(`unsupported elliptic curve ${curve} (use P-256, P-384 or P-521)`, where);
      return { keyType: 'ecdsa', scheme };
    }
    default:
      throw keyError(`unsupported key type ${obj.asymmetricKeyType ?? 'unknown'}`, where);
  }
}

function rawEd25519Hex(pub: KeyObject): string {
  const der = pub.export({ type: 'spki', format: 'der' });
  return der.subarray(der.length - 32).toString('hex');
}

function spkiPem(pub: KeyObject): string {
  return (pub.export({ type: 'spki', format: 'pem' }) as string).replace(/\n+$/, '');
}

/** Builds a PublicKey from a node KeyObject; `stored` overrides the public value and keyid. */
export function publicKeyFrom(
  obj: KeyObject,
  where?: string,
  stored?: { publicValue?: string; keyId?: string; keyidHashAlgorithms?: string[]; scheme?: string },
  certificate?: X509Certificate,
): PublicKey {
  const pub = obj.type === 'private' ? createPublicKey(obj) : obj;
  const { keyType, scheme: derived } = classify(pub, where);
  const scheme = (stored?.scheme ?? derived) as Scheme;
  if (stored?.scheme && stored.scheme !== derived && !(keyType === 'rsa' && stored.scheme === 'rsassa-pss-sha256')) {
    throw keyError(`scheme ${stored.scheme} does not fit a ${keyType} key (expected ${derived})`, where);
  }
  const publicValue = stored?.publicValue ?? (keyType === 'ed25519' ? rawEd25519Hex(pub) : spkiPem(pub));
  const idInput = { keytype: keyType, scheme, public: publicValue, keyidHashAlgorithms: stored?.keyidHashAlgorithms };
  const keyIds = allKeyIds(idInput);
  if (stored?.keyId && !keyIds.has(stored.keyId)) {
    throw keyError(`keyid ${stored.keyId.slice(0, 16)}… does not match the key`, where);
  }
  const fingerprint = createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex');
  return {
    keyType,
    scheme,
    keyObject: pub,
    publicValue,
    keyId: stored?.keyId ?? legacyKeyId(idInput),
    keyIds,
    fingerprint,
    ...(certificate ? { certificate } : {}),
  };
}

/** Reads a securesystemslib key dictionary (as in a layout's `keys`, or a key file). */
export function publicKeyFromDict(dict: KeyDict, where?: string): PublicKey {
  const { keytype, scheme } = dict;
  let obj: KeyObject;
  let certificate: X509Certificate | undefined;
  try {
    if (keytype === 'ed25519') {
      const raw = Buffer.from(dict.keyval.public, 'hex');
      if (raw.length !== 32 || raw.toString('hex') !== dict.keyval.public.toLowerCase()) throw keyError('ed25519 public key must be 64 hex characters', where);
      obj = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
    } else if (keytype === 'rsa' || keytype === 'ecdsa' || keytype === 'ecdsa-sha2-nistp256' || keytype === 'ecdsa-sha2-nistp384') {
      if (dict.keyval.certificate) certificate = new X509Certificate(dict.keyval.certificate);
      obj = createPublicKey(dict.keyval.public || dict.keyval.certificate || '');
    } else {
      throw keyError(`unsupported keytype ${JSON.stringify(keytype)}`, where);
    }
  } catch (err) {
    if (err instanceof CairnError) throw err;
    throw keyError(`not a public key: ${(err as Error).message}`, where, err);
  }
  const key = publicKeyFrom(obj, where, {
    publicValue: dict.keyval.public,
    keyId: dict.keyid,
    keyidHashAlgorithms: dict.keyid_hash_algorithms,
    scheme,
  }, certificate);
  const expectType = keytype.startsWith('ecdsa') ? 'ecdsa' : keytype;
  if (key.keyType !== expectType) throw keyError(`keytype ${keytype} does not match the ${key.keyType} key material`, where);
  return key;
}

/** The securesystemslib dictionary of a public key, as it goes into a layout's `keys` map. */
export function keyDict(key: PublicKey): KeyDict {
  return {
    keyid: key.keyId,
    keyid_hash_algorithms: [...LEGACY_KEYID_HASH_ALGORITHMS],
    keytype: key.keyType,
    keyval: { public: key.publicValue },
    scheme: key.scheme,
  };
}

function looksLikeJson(text: string): boolean {
  return text.trimStart().startsWith('{');
}

/** Loads a public key from file contents: PEM (public, private, or certificate) or securesystemslib JSON. */
export function loadPublicKey(text: string, where?: string): PublicKey {
  if (looksLikeJson(text)) return publicKeyFromDict(parseWith(KeySchema, parseJson(text, where), where), where);
  if (!text.includes('-----BEGIN')) throw keyError('not a public key: expected PEM or a securesystemslib JSON key', where);
  if (text.includes('ENCRYPTED PRIVATE KEY')) throw keyError('not a public key: this is an encrypted private key; give its .pub file', where);
  try {
    if (text.includes('-----BEGIN CERTIFICATE-----')) {
      const cert = new X509Certificate(text);
      return publicKeyFrom(cert.publicKey, where, undefined, cert);
    }
    return publicKeyFrom(createPublicKey(text), where);
  } catch (err) {
    if (err instanceof CairnError) throw err;
    throw keyError(`not a public key: ${firstLine(err)}`, where, err);
  }
}

/** Loads a private key from file contents: PEM (PKCS#8, encrypted PKCS#8, PKCS#1, SEC1) or securesystemslib JSON. */
export function loadPrivateKey(text: string, options: { password?: string; where?: string } = {}): PrivateKey {
  const { where, password } = options;
  if (looksLikeJson(text)) return privateKeyFromJson(text, where);
  if (!/-----BEGIN (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----/.test(text)) {
    throw keyError('not a private key: expected a PEM private key or a securesystemslib JSON key', where);
  }
  const encrypted = text.includes('ENCRYPTED PRIVATE KEY') || text.includes('Proc-Type: 4,ENCRYPTED');
  if (encrypted && password === undefined) {
    throw new CairnError('KEY_INVALID', 'the private key is encrypted and no passphrase was given', { where, details: { reason: 'passphrase-missing' } });
  }
  let obj: KeyObject;
  try {
    obj = createPrivateKey(encrypted ? { key: text, passphrase: password } : text);
  } catch (err) {
    // OpenSSL 3 moved PBES1 (MD5/DES, what older pyca/cryptography wrote) to its legacy provider.
    if (encrypted && /unsupported/i.test(firstLine(err))) {
      throw new CairnError('UNSUPPORTED', 'the private key is encrypted with a legacy cipher (PBES1/DES) that OpenSSL 3 moved to its legacy provider; re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`', { where, cause: err, details: { reason: 'legacy-cipher' } });
    }
    const msg = encrypted ? 'cannot decrypt the private key (wrong passphrase?)' : `not a private key: ${firstLine(err)}`;
    throw keyError(msg, where, err);
  }
  return { publicKey: publicKeyFrom(obj, where), keyObject: obj };
}

function privateKeyFromJson(text: string, where?: string): PrivateKey {
  const dict = parseWith(KeySchema, parseJson(text, where), where);
  const priv = dict.keyval.private;
  if (!priv) throw keyError('not a private key: keyval.private is missing (is this the .pub file?)', where);
  const publicKey = publicKeyFromDict(dict, where);
  let obj: KeyObject;
  try {
    if (publicKey.keyType === 'ed25519') {
      const seed = Buffer.from(priv, 'hex');
      if (seed.length !== 32) throw keyError('ed25519 private key must be 64 hex characters', where);
      obj = createPrivateKey({
        key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: Buffer.from(publicKey.publicValue, 'hex').toString('base64url') },
        format: 'jwk',
      });
    } else {
      obj = createPrivateKey(priv);
    }
  } catch (err) {
    if (err instanceof CairnError) throw err;
    throw keyError(`not a private key: ${firstLine(err)}`, where, err);
  }
  if (publicKeyFrom(obj, where).fingerprint !== publicKey.fingerprint) {
    throw keyError('private and public parts of the key file do not match', where);
  }
  return { publicKey, keyObject: obj };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
