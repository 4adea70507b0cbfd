import { parseDigest } from '../digest/index.js';
import type { PrivateKey } from '../crypto/index.js';
import { resolveReference, withDigest } from '../oci/index.js';
import { publishSummary, type GateVerdict, type PreparedPolicy } from '../gate/index.js';
import { openRef, withStores, type StoreAccess } from './access.js';
import { repositoryOf } from './reference.js';

// The deploy gate's calls, for servers (src/serve) and library users: policies prepared once
// (layout fetched by digest, trust root walked), images verified by reference, verdicts shared
// as signed verification summaries (SLSA VSAs) bound to the policy.

export {
  type GatePolicy,
  type GateVerdict,
  type GateErrorKind,
  type LayoutSigners,
  type PreparedPolicy,
  type PrepareOptions,
  type SummaryTrust,
  type TrustStateStore,
  type VerifyRefOptions,
  gateErrorKind,
  memoryTrustState,
  parseImageKey,
  preparePolicy,
  publishSummary,
  verifyImageRef,
} from '../gate/index.js';

/** Signs a PASS verdict as a summary bound to `prepared` and attaches it to the image it names; returns its digest. */
export async function publishVerdictSummary(verdict: GateVerdict, prepared: PreparedPolicy, o: StoreAccess & { key: PrivateKey; version: string; reference: string; now?: () => Date }): Promise<string> {
  const { ref, store } = await openRef(o.reference, o);
  return withStores([store], async () => {
    const subject = await resolveReference(store, withDigest(ref, parseDigest(verdict.subject)));
    return publishSummary(store, subject, repositoryOf(ref), prepared, verdict.inputAttestations, o.key, o.version, o.now?.() ?? new Date());
  });
}
