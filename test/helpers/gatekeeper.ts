import { request } from 'node:https';
import { readFileSync } from 'node:fs';

// A stand-in for Gatekeeper's side of external data, written from open-policy-agent/frameworks
// constraint/pkg/externaldata (request.go DefaultSendRequestToProvider, response.go
// NewRegoResponse) and drivers/rego/builtin.go (the per-key response cache): what it sends and
// how it reads the answer, exactly; plus the decision of a ConstraintTemplate like
// deploy/kubernetes/gatekeeper/constraint-template.yaml (deny on system_error, on any error,
// on a value that is not verified, and on a key missing from both lists).

export interface Provider {
  name: string;
  url: string;
  /** Seconds (spec.timeout). */
  timeout: number;
  /** base64 of the PEM CA bundle (spec.caBundle). */
  caBundle: string;
}

export interface ProviderResponse {
  apiVersion?: string;
  kind?: string;
  response: { idempotent?: boolean; items?: Array<{ key: string; value?: unknown; error?: string }>; systemError?: string };
}

export interface RegoResponse {
  responses: Array<[string, unknown]>;
  errors: Array<[string, string]>;
  status_code: number;
  system_error: string;
}

export interface ClientCert {
  cert: string;
  key: string;
}

/** Builds a Provider from files. */
export function provider(name: string, url: string, caFile: string, timeout = 3): Provider {
  return { name, url, timeout, caBundle: readFileSync(caFile).toString('base64') };
}

/** DefaultSendRequestToProvider: POST the keys, TLS 1.3, the provider's CA, Gatekeeper's client cert; status 500 on any failure. */
export function sendRequestToProvider(p: Provider, keys: string[], clientCert?: ClientCert): Promise<{ response?: ProviderResponse; status: number; error?: string }> {
  const body = JSON.stringify({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: keys.length ? { keys } : {} });
  return new Promise((resolve) => {
    const url = new URL(p.url);
    if (url.protocol !== 'https:') return resolve({ status: 500, error: 'only HTTPS scheme is supported' });
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      minVersion: 'TLSv1.3',
      ca: Buffer.from(p.caBundle, 'base64'),
      ...(clientCert ? { cert: readFileSync(clientCert.cert), key: readFileSync(clientCert.key) } : {}),
      timeout: p.timeout * 1000,
      agent: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ response: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ProviderResponse, status: res.statusCode ?? 0 });
        } catch (err) {
          resolve({ status: 500, error: `failed to unmarshal external data response: ${String(err)}` });
        }
      });
      res.on('error', (err) => resolve({ status: 500, error: `failed to read external data response: ${err.message}` }));
    });
    req.on('timeout', () => req.destroy(new Error('context deadline exceeded')));
    req.on('error', (err) => resolve({ status: 500, error: `failed to send external data request: ${err.message}` }));
    req.end(body);
  });
}

/** NewRegoResponse. */
export function regoResponse(status: number, pr: ProviderResponse): RegoResponse {
  const responses: Array<[string, unknown]> = [];
  const errors: Array<[string, string]> = [];
  for (const item of pr.response.items ?? []) {
    if (item.error) errors.push([item.key, item.error]);
    else responses.push([item.key, item.value]);
  }
  return { responses, errors, status_code: status, system_error: pr.response.systemError ?? '' };
}

/** The external_data builtin with its per-(provider, key) cache of values AND errors (TTL 3 min by default). */
export class ExternalData {
  readonly cache = new Map<string, { received: number; value: unknown; error: string }>();
  constructor(private readonly clientCert?: ClientCert, private readonly ttlMs = 180_000) {}

  async call(p: Provider, keys: string[]): Promise<RegoResponse> {
    const items: Array<{ key: string; value?: unknown; error?: string }> = [];
    const ask: string[] = [];
    for (const k of keys) {
      const c = this.cache.get(`${p.name}\n${k}`);
      if (c && Date.now() - c.received <= this.ttlMs) items.push({ key: k, value: c.value, error: c.error });
      else ask.push(k);
    }
    let status = 0;
    let systemError = '';
    if (ask.length > 0) {
      const r = await sendRequestToProvider(p, ask, this.clientCert);
      if (!r.response) return { responses: [], errors: [], status_code: r.status, system_error: r.error ?? 'no response' };
      for (const item of r.response.response.items ?? []) this.cache.set(`${p.name}\n${item.key}`, { received: Date.now(), value: item.value, error: item.error ?? '' });
      items.push(...(r.response.response.items ?? []));
      systemError = r.response.response.systemError ?? '';
      status = r.status;
    }
    return regoResponse(status, { response: { items, systemError } });
  }
}

/** The ConstraintTemplate's violations for the images of a pod. */
export function violations(images: string[], rr: RegoResponse): string[] {
  const out: string[] = [];
  if (rr.system_error) out.push(`system error: ${rr.system_error}`);
  for (const [k, e] of rr.errors) out.push(`${k}: ${e}`);
  for (const [k, v] of rr.responses) if ((v as { verified?: unknown } | null)?.verified !== true) out.push(`${k}: not verified`);
  const answered = new Set([...rr.responses.map((r) => r[0]), ...rr.errors.map((e) => e[0])]);
  for (const i of images) if (!answered.has(i)) out.push(`${i}: no answer`);
  return out;
}
