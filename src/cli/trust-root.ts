import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CairnError } from '../errors.js';
import type { CliContext } from './context.js';
import { openReference, withStores } from './registry.js';
import type { WalkResult, TrustState } from '../trust/index.js';

// `--trust-root REF@sha256:...`: the pinned first version of a trust root, walked to the newest
// version in the same repository. The newest version trusted is remembered in a state file
// (like a TUF client's trusted root), so that a registry serving an older chain later is caught.

/** Where the newest trusted version of a pinned root is remembered. */
export function trustStatePath(env: NodeJS.ProcessEnv, pinnedDigest: string, override?: string): string {
  if (override) return override;
  const base = env['XDG_STATE_HOME'] || join(env['HOME'] || homedir(), '.local', 'state');
  return join(base, 'cairn', 'trust', `${pinnedDigest.replace(':', '-')}.json`);
}

function readState(path: string): TrustState | undefined {
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as TrustState;
    return typeof s.version === 'number' && typeof s.digest === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Walks the trust root pinned by `text` and records the newest version trusted. */
export async function walkTrustRoot(text: string, argv: Record<string, unknown>, ctx: CliContext): Promise<WalkResult> {
  const { resolveReference } = await import('../oci/index.js');
  const { readTrustRoot, storeTrustChain } = await import('../attest/index.js');
  const { walkTrustChain } = await import('../trust/index.js');
  const { writeFileAtomic } = await import('../disk/index.js');
  const { ref, store } = await openReference(text, argv, ctx);
  if (!ref.digest) {
    throw new CairnError('INVALID_ARGUMENT', `--trust-root ${text}: pin the trust root by digest (REF@sha256:...), never by tag`);
  }
  return withStores([store], async () => {
    const desc = await resolveReference(store, ref);
    const pinned = await readTrustRoot(store, desc);
    const statePath = trustStatePath(ctx.env, desc.digest, argv['trust-state'] as string | undefined);
    const previous = readState(statePath);
    const walked = await walkTrustChain(pinned, storeTrustChain(store), { state: previous });
    if (!previous || previous.version < walked.root.version) {
      try {
        mkdirSync(dirname(statePath), { recursive: true });
        writeFileAtomic(statePath, `${JSON.stringify({ version: walked.root.version, digest: walked.digest })}\n`);
      } catch (err) {
        ctx.out.warn(`cannot record the trusted root version in ${statePath}: ${(err as Error).message}`);
      }
    }
    ctx.out.info(`trust root: version ${walked.root.version} (${walked.digest}), walked from pinned version ${walked.chain[0]!.version}; threshold ${walked.root.threshold} of ${walked.keys.length} owner key(s)${walked.root.revoked.length ? `, ${walked.root.revoked.length} revoked` : ''}`);
    return walked;
  });
}
