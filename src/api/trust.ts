import { CairnError } from '../errors.js';
import type { PrivateKey, PublicKey } from '../crypto/index.js';
import { digestOf, parseDigest } from '../digest/index.js';
import { parseEnvelope } from '../dsse/index.js';
import { writeFileAtomic } from '../disk/index.js';
import { formatReference, resolveReference, withDigest } from '../oci/index.js';
import { pushTrustRoot, readTrustRoot, rootTag } from '../attest/index.js';
import { cosignRoot, expiryIn, makeRoot, nextRoot, signRoot, verifyPinnedRoot, type StoredRoot, type WalkResult } from '../trust/index.js';
import { fileTrustState, memoryTrustState, trustStatePath, walkPinnedTrustRoot, type TrustStateStore } from '../gate/index.js';
import type { Envelope } from '../schema/index.js';
import { opener, openRef, withStores, type StoreAccess } from './access.js';
import { diskReader, type FileReader } from './files.js';

// Trust roots: the owner keys of a project, versioned and signed like TUF's root role. A
// pinned first version (REF@sha256:...) is walked to the newest version in its repository, and
// the newest version trusted is remembered (the rollback state: a file per pinned root for a
// CLI, memory for a server) so that a registry serving an older chain later is refused.
// Spec: https://theupdateframework.github.io/specification/latest/#update-the-root-role

export type { TrustStateStore, WalkResult };
export { memoryTrustState };

/** Rollback state in files: `file` for every pinned root, or one file per root under $XDG_STATE_HOME/cairn/trust. */
export function trustStateFiles(env: NodeJS.ProcessEnv, file?: string): TrustStateStore {
  return fileTrustState((pinned) => trustStatePath(env, pinned, file));
}

/** What a walk needs: the stores, the rollback state, the clock. */
export interface WalkOptions extends StoreAccess {
  state?: TrustStateStore;
  now?: Date;
  /** Called when the state could not be recorded (the walk has succeeded anyway). */
  onWarning?: (line: string) => void;
  /** Told the version walked to, once the walk has succeeded. */
  onWalked?: (w: WalkResult) => void;
}

/** Walks the trust root pinned by `pin` (`REF@sha256:...`) to its newest version and records it in `state`. */
export async function walkTrustRoot(pin: string, o: WalkOptions = {}): Promise<WalkResult> {
  const openStore = opener(o);
  const walked = await walkPinnedTrustRoot(pin, { openStore: (ref) => openStore(ref), ...(o.state ? { state: o.state } : {}), ...(o.now ? { now: o.now } : {}), ...(o.onWarning ? { onWarning: o.onWarning } : {}) });
  o.onWalked?.(walked);
  return walked;
}

/** A trust-root version given as a file, or as a pinned reference to walk from. */
export type TrustRootSource = { readonly file: string } | { readonly pinned: string };

/** The current version: as stored (envelope and digest) and as verified (walked for a reference). */
export interface CurrentTrustRoot {
  readonly stored: StoredRoot;
  readonly current: WalkResult;
  /** True when it was walked from a pinned reference. */
  readonly walked: boolean;
}

function readRootFile(path: string, read: FileReader): StoredRoot {
  const text = read(path).toString('utf8');
  return { envelope: parseEnvelope(text, path), digest: digestOf(text) };
}

/** Loads and verifies the current version (a reference is walked to its newest version). */
export async function loadTrustRoot(source: TrustRootSource, o: WalkOptions & { read?: FileReader } = {}): Promise<CurrentTrustRoot> {
  if ('file' in source) {
    const stored = readRootFile(source.file, o.read ?? diskReader);
    return { stored, current: verifyPinnedRoot(stored), walked: false };
  }
  const current = await walkTrustRoot(source.pinned, o);
  // the envelope of the version walked to, fetched again by its digest (not by tag)
  const { ref, store } = await openRef(source.pinned, o);
  const envelope: Envelope = await withStores([store], async () => (await readTrustRoot(store, await resolveReference(store, withDigest(ref, parseDigest(current.digest))))).envelope);
  return { stored: { envelope, digest: current.digest }, current, walked: true };
}

function writeRoot(path: string, envelope: Envelope): void {
  writeFileAtomic(path, `${JSON.stringify(envelope)}\n`);
}

/** Writes version 1: `owners` (default: the signers' public keys) and their threshold. */
export async function initTrustRoot(o: { signers: PrivateKey[]; owners?: PublicKey[]; threshold: number; expiresDays: number; out: string }): Promise<{ file: string; version: number }> {
  if (o.signers.length === 0) throw new CairnError('INVALID_ARGUMENT', 'trust init needs the owners\' private keys', { details: { reason: 'signing-keys-missing' } });
  const root = makeRoot(1, { keys: o.owners ?? o.signers.map((s) => s.publicKey), threshold: o.threshold, expires: expiryIn(o.expiresDays) });
  writeRoot(o.out, await signRoot(root, o.signers));
  return { file: o.out, version: 1 };
}

/** Adds the signers' signatures to the current version and writes it to `out` (default: the file, or root.<version>.json). */
export async function cosignTrustRoot(source: TrustRootSource, o: WalkOptions & { signers: PrivateKey[]; out?: string }): Promise<{ file: string; version: number }> {
  const { stored, current } = await loadTrustRoot(source, o);
  if (o.signers.length === 0) throw new CairnError('INVALID_ARGUMENT', 'co-signing needs signing keys', { details: { reason: 'signing-keys-missing' } });
  const file = o.out ?? ('file' in source ? source.file : `root.${current.root.version}.json`);
  writeRoot(file, await cosignRoot(stored.envelope, o.signers));
  return { file, version: current.root.version };
}

/** Writes the next version: owners added or removed, keys revoked, threshold changed; signed by old and new owners. */
export async function rotateTrustRoot(source: TrustRootSource, o: WalkOptions & { signers: PrivateKey[]; addKeys?: PublicKey[]; removeKeys?: PublicKey[]; revoke?: string[]; threshold?: number; expiresDays: number; out?: string }): Promise<{ file: string; version: number }> {
  const { current } = await loadTrustRoot(source, o);
  if (o.signers.length === 0) throw new CairnError('INVALID_ARGUMENT', 'a new version needs signing keys', { details: { reason: 'signing-keys-missing' } });
  const next = nextRoot(current, { addKeys: o.addKeys ?? [], removeKeys: o.removeKeys ?? [], revoke: o.revoke ?? [], ...(o.threshold !== undefined ? { threshold: o.threshold } : {}), expires: expiryIn(o.expiresDays) });
  const file = o.out ?? `root.${next.version}.json`;
  writeRoot(file, await signRoot(next, o.signers));
  return { file, version: next.version };
}

/** Stores a version file in `repository` under the tag root.<version>; returns its digest (version 1's is the pin). */
export async function pushTrustRootFile(o: StoreAccess & { file: string; repository: string; read?: FileReader }): Promise<{ digest: string; version: number; tag: string; repository: string; ignored?: string }> {
  const read = o.read ?? diskReader;
  const stored = readRootFile(o.file, read);
  const root = verifyPinnedRoot(stored).root;
  const bytes = read(o.file);
  const { store, ref } = await openRef(o.repository, o, true);
  return withStores([store], async () => {
    const desc = await pushTrustRoot(store, stored.envelope, bytes, root.version);
    const ignored = ref.tag || ref.digest ? formatReference(ref) : undefined;
    return { digest: desc.digest, version: root.version, tag: rootTag(root.version), repository: formatReference({ ...ref, tag: undefined, digest: undefined }), ...(ignored ? { ignored } : {}) };
  });
}
