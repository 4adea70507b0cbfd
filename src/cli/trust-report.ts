import type { WalkResult } from '../api/trust.js';

// What the CLI says about a trust root it walked (verify --trust-root, trust show/sign/rotate).

/** The line saying which trust-root version was walked to, from which pinned version. */
export function trustRootLine(w: WalkResult): string {
  return `trust root: version ${w.root.version} (${w.digest}), walked from pinned version ${w.chain[0]!.version}; threshold ${w.root.threshold} of ${w.keys.length} owner key(s)${w.root.revoked.length ? `, ${w.root.revoked.length} revoked` : ''}`;
}
