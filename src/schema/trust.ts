import { z } from 'zod';
import { isIntotoDate } from '../encoding/index.js';
import { lazy } from './lazy.js';
import { KeySchema } from './intoto.js';

// Cairn's trust root: TUF's root role applied to layout owners.
// Model: https://theupdateframework.github.io/specification/latest/#root-role

export const TRUST_ROOT_TYPE = 'https://cairn.dev/trust-root/v1';

export const TrustRootSchema = lazy(() => z.object({
  _type: z.literal(TRUST_ROOT_TYPE),
  version: z.number().int().min(1),
  // a date that does not parse must not read as "never expires" (encoding/date.ts)
  expires: z.string().refine(isIntotoDate, 'expected a real date of the form YYYY-MM-DDTHH:MM:SSZ'),
  /** Owner keys allowed to sign layouts and the next version of this root. */
  keys: z.record(z.string(), KeySchema),
  /** How many distinct owner keys must sign a layout, and the next root. */
  threshold: z.number().int().min(1),
  /** Keyids (owner or functionary) whose signatures are no longer accepted anywhere. */
  revoked: z.array(z.string()).default([]),
  readme: z.string().default(''),
}));
/** One version of a trust root. */
export type TrustRoot = z.infer<typeof TrustRootSchema>;
