import type { GateVerdict } from '../gate/index.js';

// Gatekeeper's external data provider protocol, as frameworks' externaldata package speaks it
// (request.go NewProviderRequest / DefaultSendRequestToProvider, response.go ProviderResponse).
// One POST with {"apiVersion":"externaldata.gatekeeper.sh/v1beta1","kind":"ProviderRequest",
// "request":{"keys":[...]}}; the answer is {"apiVersion","kind":"ProviderResponse","response":
// {"idempotent","items":[{"key","value"|"error"}],"systemError"}}. Gatekeeper caches every
// returned item (value AND error) per key for 3 minutes (builtin.go), but never systemError, so:
// an item error only for what is permanent about the key; anything transient (registry down,
// deadline) leaves the key out and sets systemError; the Rego template denies on either.
// Spec: https://open-policy-agent.github.io/gatekeeper/website/docs/externaldata

export const API_VERSION = 'externaldata.gatekeeper.sh/v1beta1';

/** One item of a ProviderResponse. */
export interface ProviderItem {
  key: string;
  value?: unknown;
  error?: string;
}

/** The longest key accepted (a reference is at most 255 + tag + digest characters). */
export const MAX_KEY_LENGTH = 1024;

/** Reads a ProviderRequest's keys, deduplicated in order; a string on failure (one line). */
export function parseProviderRequest(body: Buffer, maxKeys: number): { keys: string[] } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { problem: 'the body is not JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { problem: 'expected a ProviderRequest object' };
  const o = json as Record<string, unknown>;
  if (o['kind'] !== undefined && o['kind'] !== 'ProviderRequest') return { problem: `kind ${JSON.stringify(o['kind']).slice(0, 60)} is not ProviderRequest` };
  if (o['apiVersion'] !== undefined && o['apiVersion'] !== API_VERSION) return { problem: `apiVersion ${JSON.stringify(o['apiVersion']).slice(0, 60)} is not ${API_VERSION}` };
  const req = o['request'];
  // Gatekeeper omits empty keys (`keys,omitempty`), and an empty request (`request,omitempty`)
  if (req === undefined) return { keys: [] };
  if (typeof req !== 'object' || req === null || Array.isArray(req)) return { problem: 'request must be an object' };
  const keys = (req as Record<string, unknown>)['keys'];
  if (keys === undefined || keys === null) return { keys: [] };
  if (!Array.isArray(keys)) return { problem: 'request.keys must be a list of strings' };
  if (keys.length > maxKeys) return { problem: `${keys.length} keys, more than the limit of ${maxKeys}` };
  for (const k of keys) {
    if (typeof k !== 'string') return { problem: 'request.keys must be a list of strings' };
    if (k.length > MAX_KEY_LENGTH) return { problem: `a key of ${k.length} characters is longer than ${MAX_KEY_LENGTH}` };
  }
  return { keys: [...new Set(keys as string[])] };
}

/** A value serialized once: a cached verdict's answer is the same text for every hit. */
export class JsonText {
  constructor(readonly text: string) {}
  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/** The ProviderResponse body (the bytes JSON.stringify would write, keys in this order). */
export function providerResponse(items: ProviderItem[], systemError?: string): string {
  const list = items.map((i) => (i.value instanceof JsonText ? `{"key":${JSON.stringify(i.key)},"value":${i.value.text}${i.error !== undefined ? `,"error":${JSON.stringify(i.error)}` : ''}}` : JSON.stringify(i)));
  return `{"apiVersion":"${API_VERSION}","kind":"ProviderResponse","response":{"idempotent":false,"items":[${list.join(',')}]${systemError ? `,"systemError":${JSON.stringify(systemError)}` : ''}}}`;
}

/** The value of a decided key: `verified` is the one field a policy must test. */
export function verdictValue(v: GateVerdict, cache: 'hit' | 'miss', tag?: string): Record<string, unknown> {
  return {
    verified: v.verdict === 'pass',
    image: v.image,
    digest: v.subject,
    pinned: tag === undefined,
    ...(tag !== undefined ? { tag } : {}),
    policy: v.policy,
    policyDigest: v.policyDigest,
    layout: v.layout,
    trustAnchor: v.trustAnchor,
    ...(v.trustRootVersion !== undefined ? { trustRootVersion: v.trustRootVersion } : {}),
    source: v.source,
    cache,
    checkedAt: v.checkedAt.toISOString(),
    ...(v.reason ? { reason: v.reason } : {}),
    ...(v.code ? { code: v.code } : {}),
  };
}
