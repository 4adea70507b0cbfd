import { generateKeyPairSync } from 'node:crypto';
import { CairnError } from '../errors.js';
import { publicKeyFrom, type PrivateKey } from './keys.js';

/** The key types `cairn key generate` makes. RSA is 3072 bits, as in-toto-keygen's default. */
export type GenerateType = 'ed25519' | 'ecdsa-p256' | 'ecdsa-p384' | 'rsa';
export const GENERATE_TYPES: readonly GenerateType[] = ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'rsa'];

/** Generates a key pair. */
export function generateKey(type: GenerateType): PrivateKey {
  let pair;
  switch (type) {
    case 'ed25519':
      pair = generateKeyPairSync('ed25519');
      break;
    case 'ecdsa-p256':
      pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      break;
    case 'ecdsa-p384':
      pair = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
      break;
    case 'rsa':
      pair = generateKeyPairSync('rsa', { modulusLength: 3072 });
      break;
    default:
      throw new CairnError('INVALID_ARGUMENT', `unknown key type ${JSON.stringify(type)} (one of ${GENERATE_TYPES.join(', ')})`);
  }
  return { keyObject: pair.privateKey, publicKey: publicKeyFrom(pair.publicKey) };
}

/** PEM encodings of a key pair: PKCS#8 private (AES-256-CBC encrypted when a password is given), SPKI public. */
export function encodeKeyPair(key: PrivateKey, password?: string): { privatePem: string; publicPem: string } {
  const privatePem = (
    password !== undefined
      ? key.keyObject.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password })
      : key.keyObject.export({ type: 'pkcs8', format: 'pem' })
  ) as string;
  const publicPem = key.publicKey.keyObject.export({ type: 'spki', format: 'pem' }) as string;
  return { privatePem, publicPem };
}
