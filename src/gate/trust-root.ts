import { CairnError } from '../errors.js';
import { closeStore, parseReference, resolveReference, type Reference, type Store } from '../oci/index.js';
import { readTrustRoot, storeTrustChain } from '../attest/index.js';
import { walkTrustChain, type WalkResult } from '../trust/index.js';
import type { TrustStateStore } from './trust-state.js';

// A trust root pinned by digest, walked to its newest version in the same repository; the newest
// version trusted is recorded so that a later rollback is refused (src/trust/chain.ts).

export interface WalkPinnedOptions {
  openStore: (ref: Reference) => Promise<Store>;
  state?: TrustStateStore;
  now?: Date;
  /** Called with a warning that does not stop the walk (the state could not be recorded). */
  onWarning?: (line: string) => void;
}

/** Walks the trust root `text` (`REF@sha256:...`) from its pinned version to the newest one. */
export async function walkPinnedTrustRoot(text: string, o: WalkPinnedOptions): Promise<WalkResult> {
  const ref = parseReference(text);
  if (!ref.digest) throw new CairnError('INVALID_ARGUMENT', 'pin the trust root by digest (REF@sha256:...), never by tag', { where: text, details: { reason: 'not-pinned' } });
  const store = await o.openStore(ref);
  try {
    const desc = await resolveReference(store, ref);
    const pinned = await readTrustRoot(store, desc);
    const previous = o.state?.read(desc.digest);
    const walked = await walkTrustChain(pinned, storeTrustChain(store), { state: previous, ...(o.now ? { now: o.now } : {}) });
    if (o.state && (!previous || previous.version < walked.root.version)) {
      const warning = o.state.write(desc.digest, { version: walked.root.version, digest: walked.digest });
      if (warning) o.onWarning?.(warning);
    }
    return walked;
  } finally {
    await closeStore(store).catch(() => undefined);
  }
}
