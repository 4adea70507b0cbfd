import { request } from 'node:https';
import { Environment } from '@marcbachmann/cel-js';

// Kyverno's side of deploy/kubernetes/kyverno/validating-policy.yaml, executed: the policy's
// CEL variables in order, then its validations (and messageExpression when one fails), with
// Kyverno's HTTP library bound to a real HTTPS request (`http.Client(caPEM).Post(url, body,
// headers)`: https://kyverno.io/docs/policy-types/validating-policy/ , "HTTP library"). The
// engine is the CEL implementation Cairn already ships (it passes the applicable cel-spec
// conformance cases, test/unit/attributes/conformance.test.ts), configured as a plain CEL
// environment: no Cairn limits, no rewrites. What this does not model: Kubernetes' own CEL
// libraries beyond what the policy uses, and Kyverno's compile-time checks.

class HttpLibrary {}
class HttpClient {
  constructor(readonly ca: string) {}
}

type Json = unknown;

// CEL values (Map, bigint) as JSON for the request body.
function toJson(v: unknown): Json {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toJson(x)]));
  if (Array.isArray(v)) return v.map(toJson);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return v;
}

function post(ca: string, url: string, body: Json, headers: Json): Promise<Json> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, headers: { ...(headers as Record<string, string>), 'content-length': Buffer.byteLength(data) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

export interface ValidatingPolicySpec {
  variables: Array<{ name: string; expression: string }>;
  validations: Array<{ expression: string; messageExpression?: string; message?: string }>;
}

export interface Decision {
  allowed: boolean;
  message?: string;
  variables: Record<string, unknown>;
}

/** Evaluates the policy against `object` (an admission request's object), as Kyverno would. */
export async function evaluateValidatingPolicy(spec: ValidatingPolicySpec, object: Json): Promise<Decision> {
  const env = new Environment({ homogeneousAggregateLiterals: false })
    .registerType('HttpLibrary', HttpLibrary)
    .registerType('HttpClient', HttpClient)
    .registerVariable('http', 'HttpLibrary')
    .registerVariable('object', 'map')
    .registerVariable('variables', 'map')
    .registerFunction({ name: 'Client', receiverType: 'HttpLibrary', returnType: 'HttpClient', params: [{ name: 'caBundle', type: 'string' }], handler: (_: HttpLibrary, ca: string) => new HttpClient(ca) })
    .registerFunction({
      name: 'Post', receiverType: 'HttpClient', returnType: 'dyn',
      params: [{ name: 'url', type: 'string' }, { name: 'body', type: 'dyn' }, { name: 'headers', type: 'dyn' }],
      handler: (c: HttpClient, url: string, body: unknown, headers: unknown) => post(c.ca, url, toJson(body), toJson(headers)),
    });
  const variables: Record<string, unknown> = {};
  const context = () => ({ http: new HttpLibrary(), object, variables: { ...variables } });
  for (const v of spec.variables) variables[v.name] = await env.evaluate(v.expression, context());
  for (const rule of spec.validations) {
    if ((await env.evaluate(rule.expression, context())) !== true) {
      const message = rule.messageExpression ? String(await env.evaluate(rule.messageExpression, context())) : rule.message;
      return { allowed: false, ...(message !== undefined ? { message } : {}), variables };
    }
  }
  return { allowed: true, variables };
}
