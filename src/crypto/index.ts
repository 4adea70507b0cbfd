// Keys (every form in-toto writes), keyids (both generations), and the Signer/Verifier ports.
// Node's crypto does the arithmetic.
export {
  type KeyType,
  type Scheme,
  type PublicKey,
  type PrivateKey,
  loadPublicKey,
  loadPrivateKey,
  publicKeyFrom,
  publicKeyFromDict,
  keyDict,
} from './keys.js';
export { legacyKeyId, newKeyId, allKeyIds, LEGACY_KEYID_HASH_ALGORITHMS } from './keyid.js';
export { type Signer, type Verifier, signBytes, verifySignature, keySigner, keyVerifier } from './signer.js';
export { type GenerateType, GENERATE_TYPES, generateKey, encodeKeyPair } from './generate.js';
