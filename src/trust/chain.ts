import { CairnError } from '../errors.js';
import { keyVerifier } from '../crypto/index.js';
import { envelopeSigners } from '../dsse/index.js';
import { decodeBase64, parseIntotoDate, parseJson } from '../encoding/index.js';
import { parseWith, TrustRootSchema, type Envelope, type TrustRoot } from '../schema/index.js';
import { rootKeys, TRUST_ROOT_PAYLOAD_TYPE, type TrustedRoot } from './root.js';

// Walking a trust root from a pinned version to the newest, as a TUF client updates its root:
// version N+1 counts only if a threshold of version N's owners AND a threshold of its own owners
// signed it, and its version is exactly N+1. The newest must not have expired. A local record of
// the newest version seen before catches a registry that serves an older chain (rollback) or a
// different document for a version already trusted (a fork).
// Spec: https://theupdateframework.github.io/specification/latest/#update-the-root-role

/** One stored version: the envelope and the digest it was fetched by. */
export interface StoredRoot {
  envelope: Envelope;
  digest: string;
}

/** What the walk needs from storage. */
export interface TrustChainSource {
  /** The version stored under `root.<version>`, or undefined when there is none. */
  fetchVersion(version: number): Promise<StoredRoot | undefined>;
  /** Every version number present in storage (tags root.N), to notice gaps. */
  listVersions(): Promise<number[]>;
}

/** The newest version trusted before (kept by the caller between runs). */
export interface TrustState {
  version: number;
  digest: string;
}

export interface WalkResult extends TrustedRoot {
  /** Each version walked, oldest first. */
  chain: Array<{ version: number; digest: string; signedBy: string[] }>;
}

function fail(message: string): never {
  throw new CairnError('TRUST_ROOT_INVALID', message);
}

function decode(stored: StoredRoot, label: string): TrustRoot {
  if (stored.envelope.payloadType !== TRUST_ROOT_PAYLOAD_TYPE) fail(`${label}: not a trust root (payloadType ${stored.envelope.payloadType})`);
  const payload = decodeBase64(stored.envelope.payload, label);
  return parseWith(TrustRootSchema, parseJson(payload, label), label);
}

// Counts distinct owners of `by` who signed `stored`; returns their keyids.
function signersAmong(stored: StoredRoot, by: TrustedRoot['keys']): string[] {
  return envelopeSigners(stored.envelope, by.map(keyVerifier)).signers.map((k) => k.keyId);
}

/** Verifies the pinned version against its own owners. */
export function verifyPinnedRoot(stored: StoredRoot): WalkResult {
  const root = decode(stored, `trust root ${stored.digest.slice(0, 19)}`);
  const keys = rootKeys(root);
  const signedBy = signersAmong(stored, keys);
  if (signedBy.length < root.threshold) {
    fail(`version ${root.version} (pinned) is signed by ${signedBy.length} of its owners, needs ${root.threshold}`);
  }
  return { root, keys, digest: stored.digest, chain: [{ version: root.version, digest: stored.digest, signedBy }] };
}

/** Walks from the pinned version to the newest one in `source` and checks every link of the chain. */
export async function walkTrustChain(pinned: StoredRoot, source: TrustChainSource, options: { now?: Date; state?: TrustState } = {}): Promise<WalkResult> {
  let current = verifyPinnedRoot(pinned);
  for (;;) {
    const want = current.root.version + 1;
    const stored = await source.fetchVersion(want);
    if (!stored) break;
    const byOld = signersAmong(stored, current.keys);
    if (byOld.length < current.root.threshold) {
      fail(`version ${want} is signed by ${byOld.length} owners of version ${current.root.version}, needs ${current.root.threshold}`);
    }
    const root = decode(stored, `trust root version ${want}`);
    if (root.version !== want) fail(`root.${want} holds version ${root.version}`);
    const keys = rootKeys(root, `trust root version ${want}`);
    const byNew = signersAmong(stored, keys);
    if (byNew.length < root.threshold) fail(`version ${want} is signed by ${byNew.length} of its own owners, needs ${root.threshold}`);
    current = { root, keys, digest: stored.digest, chain: [...current.chain, { version: want, digest: stored.digest, signedBy: byNew }] };
  }
  const newest = current.root.version;
  const later = (await source.listVersions()).filter((v) => v > newest + 1).sort((a, b) => a - b);
  if (later.length > 0) fail(`gap in versions: root.${later[0]} exists but root.${newest + 1} does not`);
  const now = options.now ?? new Date();
  if (parseIntotoDate(current.root.expires, 'trust root') < now) fail(`the newest version (${newest}) expired on ${current.root.expires}`);
  const state = options.state;
  if (state) {
    if (state.version > newest) fail(`rollback: the newest version served is ${newest}, but version ${state.version} was trusted before`);
    const same = current.chain.find((c) => c.version === state.version);
    if (same && same.digest !== state.digest) fail(`version ${state.version} differs from the one trusted before (${state.digest.slice(0, 19)}…)`);
  }
  return current;
}

/** True when a keyid names a key the root has revoked. */
export function isRevoked(root: TrustRoot, keyIds: ReadonlySet<string>): boolean {
  return root.revoked.some((id) => keyIds.has(id));
}
