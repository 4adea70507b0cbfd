import type { CliContext } from './context.js';
import { accessOptions } from './registry.js';
import type { WalkResult } from '../trust/index.js';

// `--trust-root REF@sha256:...`: the pinned first version of a trust root, walked to the newest
// version (src/gate/trust-root.ts); the newest version trusted is remembered in a state file
// per pinned root (--trust-state, default under $XDG_STATE_HOME/cairn/trust).

export { trustStatePath } from '../gate/index.js';

/** Walks the trust root pinned by `text` and records the newest version trusted. */
export async function walkTrustRoot(text: string, argv: Record<string, unknown>, ctx: CliContext): Promise<WalkResult> {
  const { walkPinnedTrustRoot, fileTrustState, trustStatePath } = await import('../gate/index.js');
  const { openStore } = await import('../oci/index.js');
  const { CairnError, isCairnError } = await import('../errors.js');
  const access = await accessOptions(argv, ctx);
  const override = argv['trust-state'] as string | undefined;
  let walked: WalkResult;
  try {
    walked = await walkPinnedTrustRoot(text, {
      openStore: (ref) => openStore(ref, access),
      state: fileTrustState((pinned) => trustStatePath(ctx.env, pinned, override)),
      onWarning: (line) => ctx.out.warn(line),
    });
  } catch (err) {
    // the flag is named in the CLI's message, not the library's
    if (isCairnError(err, 'INVALID_ARGUMENT') && /pin the trust root by digest/.test(err.message)) {
      throw new CairnError('INVALID_ARGUMENT', `--trust-root ${text}: pin the trust root by digest (REF@sha256:...), never by tag`);
    }
    throw err;
  }
  ctx.out.info(`trust root: version ${walked.root.version} (${walked.digest}), walked from pinned version ${walked.chain[0]!.version}; threshold ${walked.root.threshold} of ${walked.keys.length} owner key(s)${walked.root.revoked.length ? `, ${walked.root.revoked.length} revoked` : ''}`);
  return walked;
}
