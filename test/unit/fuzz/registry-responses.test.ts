import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { digestOf } from '../../../src/digest/index.js';
import { CairnError } from '../../../src/errors.js';
import { fetchVerified, listReferrers, OCI_INDEX, OCI_MANIFEST } from '../../../src/oci/index.js';
import { RegistryClient, RegistryStore } from '../../../src/oci/remote/index.js';
import { startHostileServer } from '../../helpers/hostile.js';

// Issue 9: whatever a registry answers (any status, lying or malformed headers, truncated or
// garbage bodies, raw bytes that are not HTTP at all), resolve, fetch, tags and referrers give a
// result or a one-line CairnError: never another exception, never a hang. Served raw by a
// loopback server; redirects and token realms stay on loopback.

const server = await startHostileServer();
after(() => server.close());

const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf('{}'), size: 2 }, layers: [] }));
const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: digestOf(manifest), size: manifest.length }] }));
const blob = Buffer.from('a layer');
const blobDesc = { mediaType: 'application/octet-stream', digest: digestOf(blob), size: blob.length };
const subject = { mediaType: OCI_MANIFEST, digest: digestOf(manifest), size: manifest.length };

const noLoopbackEscape = (s: string) => !/[/:\\]/.test(s);
const status = fc.oneof(fc.constantFrom(200, 201, 202, 204, 206, 301, 302, 307, 308, 400, 401, 403, 404, 405, 408, 413, 429, 500, 502, 503, 504), fc.integer({ min: 100, max: 999 }));
const body = fc.oneof(fc.constantFrom(manifest, index, blob, Buffer.alloc(0), manifest.subarray(0, 20), Buffer.from('{"tags":["a"]}'), Buffer.from('{"errors":[{"code":"DENIED","message":"no"}]}')), fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), fc.json().map((j) => Buffer.from(j)));
const header = (b: Buffer) =>
  fc.record({
    'content-type': fc.oneof(fc.constantFrom(OCI_MANIFEST, OCI_INDEX, 'application/json', 'text/plain', ''), fc.string().filter(noLoopbackEscape)),
    'content-length': fc.oneof(fc.constant(String(b.length)), fc.constant(String(b.length + 5)), fc.constant(String(Math.max(0, b.length - 3))), fc.constantFrom('-1', 'abc', '99999999999999999999')),
    'docker-content-digest': fc.oneof(fc.constant(digestOf(b)), fc.constant(digestOf(manifest)), fc.string().filter(noLoopbackEscape)),
    link: fc.oneof(fc.constant('</v2/x/tags/list?last=a>; rel="next"'), fc.constant(`<${server.url}/v2/x/referrers/y?n=2>; rel="next"`), fc.string().filter(noLoopbackEscape)),
    'www-authenticate': fc.oneof(fc.constantFrom('Basic realm="r"', `Bearer realm="${server.url}/token",service="s"`, 'Bearer realm="ftp://x"', 'Bearer'), fc.string().filter((s) => !s.includes('http'))),
    location: fc.oneof(fc.constantFrom('/v2/x/blobs/elsewhere', `${server.url}/storage`, 'http://127.0.0.1:1/refused'), fc.string().filter(noLoopbackEscape)),
    'transfer-encoding': fc.constantFrom('chunked', 'gzip', 'identity'),
    'retry-after': fc.constantFrom('0', '1', 'soon'),
  }, { requiredKeys: [] });
const response = body.chain((b) => fc.record({ status, headers: header(b), body: fc.constant(b), raw: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 40 })) }));

function rawResponse(r: { status: number; headers: Record<string, string>; body: Buffer; raw?: string }): Buffer {
  if (r.raw !== undefined) return Buffer.from(r.raw);
  const lines = [`HTTP/1.1 ${r.status} X`, ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, ' ')}`), 'connection: close', '', ''];
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), r.body]);
}

async function outcome(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof CairnError, `threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    assert.ok(!err.message.includes('\n') && !err.message.includes('\r'), `multi-line: ${JSON.stringify(err.message)}`);
  }
}

describe('fuzz: registry answers', () => {
  it('any answer gives a result or a one-line CairnError', { timeout: 120_000 }, async () => {
    await fc.assert(fc.asyncProperty(response, async (r) => {
      const bytes = rawResponse(r);
      server.handle((_req, _res, raw) => raw(bytes));
      const store = new RegistryStore(new RegistryClient(server.host, { backoffMs: 1, attempts: 2, timeoutMs: 300 }), 'x');
      try {
        await outcome(() => store.resolve('v1'));
        await outcome(() => fetchVerified(store, blobDesc, 1024));
        await outcome(() => store.tags());
        await outcome(() => listReferrers(store, subject));
        await outcome(() => store.push(blobDesc, blob));
      } finally {
        await store.close();
      }
    }), { numRuns: 60 });
  });
});
