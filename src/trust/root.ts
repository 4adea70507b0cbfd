import { CairnError } from '../errors.js';
import { keyDict, publicKeyFromDict, type PrivateKey, type PublicKey } from '../crypto/index.js';
import { addSignatures, signEnvelope } from '../dsse/index.js';
import { keySigner } from '../crypto/index.js';
import { TRUST_ROOT_TYPE, type Envelope, type TrustRoot } from '../schema/index.js';

// Building trust-root versions: the first one (`cairn trust init`) and each next one
// (`cairn trust rotate`). Signing rules are checked when the chain is verified (chain.ts);
// here we only refuse to produce a version that could never verify.

/** DSSE payloadType of a trust root. */
export const TRUST_ROOT_PAYLOAD_TYPE = 'application/vnd.cairn.trust-root+json';

/** A verified trust root version: the document, the owner keys as loaded, and its digest. */
export interface TrustedRoot {
  readonly root: TrustRoot;
  readonly keys: PublicKey[];
  readonly digest: string;
}

/** Date `days` from now as in-toto writes expiry: YYYY-MM-DDTHH:MM:SSZ. */
export function expiryIn(days: number, now = new Date()): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The owner keys of a root as PublicKeys, checking each map keyid against its key. */
export function rootKeys(root: TrustRoot, where = 'trust root'): PublicKey[] {
  return Object.entries(root.keys).map(([id, dict]) => {
    const key = publicKeyFromDict(dict, `${where}: keys.${id.slice(0, 16)}`);
    if (!key.keyIds.has(id)) throw new CairnError('TRUST_ROOT_INVALID', `keys.${id.slice(0, 16)}…: the keyid does not match its key`, { where });
    return key;
  });
}

export interface RootOptions {
  keys: PublicKey[];
  threshold: number;
  expires: string;
  revoked?: string[];
  readme?: string;
}

/** A root document (unsigned) with the given owners; validates threshold against the key count. */
export function makeRoot(version: number, o: RootOptions): TrustRoot {
  if (o.keys.length === 0) throw new CairnError('INVALID_ARGUMENT', 'a trust root needs at least one owner key');
  const distinct = new Set(o.keys.map((k) => k.fingerprint)).size;
  if (o.threshold < 1 || o.threshold > distinct) {
    throw new CairnError('INVALID_ARGUMENT', `threshold ${o.threshold} is not between 1 and the ${distinct} distinct owner keys`);
  }
  const revokedOwner = o.keys.find((k) => (o.revoked ?? []).some((id) => k.keyIds.has(id)));
  if (revokedOwner) throw new CairnError('INVALID_ARGUMENT', `owner key ${revokedOwner.keyId.slice(0, 8)} is also revoked`);
  const keys: TrustRoot['keys'] = {};
  for (const k of o.keys) keys[k.keyId] = keyDict(k);
  return { _type: TRUST_ROOT_TYPE, version, expires: o.expires, keys, threshold: o.threshold, revoked: [...new Set(o.revoked ?? [])].sort(), readme: o.readme ?? '' };
}

/** Signs a root document as a DSSE envelope. */
export async function signRoot(root: TrustRoot, signers: PrivateKey[]): Promise<Envelope> {
  return signEnvelope(TRUST_ROOT_PAYLOAD_TYPE, Buffer.from(JSON.stringify(root), 'utf8'), signers.map(keySigner));
}

/** Adds signatures to an already signed root (another owner co-signing). */
export async function cosignRoot(env: Envelope, signers: PrivateKey[]): Promise<Envelope> {
  if (env.payloadType !== TRUST_ROOT_PAYLOAD_TYPE) throw new CairnError('SCHEMA_INVALID', `not a trust root (payloadType ${env.payloadType})`);
  return addSignatures(env, signers.map(keySigner));
}

export interface RotateOptions {
  addKeys?: PublicKey[];
  removeKeys?: PublicKey[];
  revoke?: string[];
  threshold?: number;
  expires: string;
}

/** The next version of `current`: owners added/removed, keyids revoked, threshold changed. */
export function nextRoot(current: TrustedRoot, o: RotateOptions): TrustRoot {
  const removed = new Set((o.removeKeys ?? []).map((k) => k.fingerprint));
  const revokedIds = new Set([...current.root.revoked, ...(o.revoke ?? [])]);
  const keys = [...current.keys, ...(o.addKeys ?? [])].filter((k, i, all) =>
    !removed.has(k.fingerprint) && ![...k.keyIds].some((id) => revokedIds.has(id)) && all.findIndex((x) => x.fingerprint === k.fingerprint) === i);
  for (const k of o.removeKeys ?? []) {
    if (!current.keys.some((c) => c.fingerprint === k.fingerprint)) throw new CairnError('INVALID_ARGUMENT', `key ${k.keyId.slice(0, 8)} is not an owner of version ${current.root.version}`);
  }
  return makeRoot(current.root.version + 1, {
    keys,
    threshold: o.threshold ?? Math.min(current.root.threshold, keys.length),
    expires: o.expires,
    revoked: [...revokedIds],
    readme: current.root.readme,
  });
}
