import { describe, it, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { digestOf } from '../../../src/digest/index.js';
import { fetchVerified, listReferrers, OCI_INDEX, OCI_MANIFEST, referrersTag, MAX_MANIFEST_BYTES, type Store } from '../../../src/oci/index.js';
import { RegistryClient, RegistryStore } from '../../../src/oci/remote/index.js';
import { discover, allReferrers } from '../../../src/attest/index.js';
import type { Descriptor } from '../../../src/schema/index.js';
import { assertCairnError } from '../../helpers/assert.js';
import { endless, json, startHostileServer } from '../../helpers/hostile.js';

// Issue 9, hostile registry answers: a loopback server that lies (digests, Docker-Content-Digest,
// sizes), sends too much (manifests over 4 MiB, 1 GB error bodies, 10,001 referrers, endless
// pages) or answers the GitLab way. Each is capped, checked and reported as a CairnError.

const server = await startHostileServer();
after(() => server.close());
const REPO = 'hostile/app';
const opened: RegistryStore[] = [];
// Well under 1 GiB: what a client that stops reading lets the kernel buffer on loopback.
const STOPPED_EARLY = 64 * 1024 * 1024;

function store(): RegistryStore {
  const s = new RegistryStore(new RegistryClient(server.host, { backoffMs: 1, timeoutMs: 3000 }), REPO);
  opened.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  server.requests.length = 0;
  server.streamed.bytes = 0;
});

function manifestBytes(n: number | string): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf('{}'), size: 2 }, layers: [], annotations: { n: String(n) } }));
}
const image = manifestBytes('image');
const imageDesc: Descriptor = { mediaType: OCI_MANIFEST, digest: digestOf(image), size: image.length };

type Route = (req: IncomingMessage, res: ServerResponse, raw: (b: string | Buffer, keepOpen?: boolean) => void) => void | Promise<void>;

// Routes by `METHOD path` (path without the query); the rest is the registry's 404.
function routes(table: Record<string, Route>): void {
  server.handle((req, res, raw) => {
    const key = `${req.method} ${(req.url ?? '').split('?')[0]}`;
    const route = table[key];
    if (route) return route(req, res, raw);
    json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'unknown' }] });
  });
}

const m = (ref: string) => `/v2/${REPO}/manifests/${ref}`;
const serve = (bytes: Buffer, type = OCI_MANIFEST, headers: Record<string, string> = {}): Route => (_req, res) => json(res, 200, bytes, { 'content-type': type, ...headers });
const noApi: Route = (_req, res) => {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('404 page not found\n');
};

function entries(n: number): Descriptor[] {
  return Array.from({ length: n }, (_, i) => ({ mediaType: OCI_MANIFEST, digest: digestOf(`referrer ${i}`), size: 500 + i, artifactType: 'application/vnd.in-toto+json' }));
}

function indexBytes(list: Descriptor[]): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: list }));
}

describe('hostile registry: content that is not what was asked for', () => {
  it('a manifest whose bytes do not match the digest asked for is DIGEST_MISMATCH', async () => {
    routes({ [`GET ${m(imageDesc.digest)}`]: serve(manifestBytes('other')) });
    await assertCairnError(() => store().resolve(imageDesc.digest), 'DIGEST_MISMATCH', /registry sent content with digest/);
    await assertCairnError(() => fetchVerified(store(), imageDesc, MAX_MANIFEST_BYTES), 'DIGEST_MISMATCH');
  });

  it('a Docker-Content-Digest that lies is DIGEST_MISMATCH, on a GET by tag and in the answer to a PUT', async () => {
    const liar = { 'docker-content-digest': digestOf('something else') };
    routes({ [`GET ${m('v1')}`]: serve(image, OCI_MANIFEST, liar), [`PUT ${m(imageDesc.digest)}`]: (_req, res) => json(res, 201, Buffer.alloc(0), liar) });
    await assertCairnError(() => store().resolve('v1'), 'DIGEST_MISMATCH', /registry says sha256:.* but the bytes are/);
    await assertCairnError(() => store().push(imageDesc, image), 'DIGEST_MISMATCH', /registry stored the manifest as/);
  });

  it('a blob with other bytes, or more bytes than its descriptor, fails at its size without reading on', async () => {
    const blob = Buffer.from('the real layer');
    const desc = { mediaType: 'application/octet-stream', digest: digestOf(blob), size: blob.length };
    const path = `/v2/${REPO}/blobs/${desc.digest}`;
    routes({ [`GET ${path}`]: (_req, res) => json(res, 200, Buffer.from('the fake layer')) });
    await assertCairnError(() => fetchVerified(store(), desc, 1024), 'DIGEST_MISMATCH', /content is sha256:/);
    routes({ [`GET ${path}`]: (_req, res) => endless(res, 200, { 'content-type': 'application/octet-stream' }, server.streamed) });
    await assertCairnError(() => fetchVerified(store(), desc, 1024), 'DIGEST_MISMATCH', /more than the 14 bytes/);
    assert.ok(server.streamed.bytes < STOPPED_EARLY, `server sent ${server.streamed.bytes} bytes`);
    routes({ [`GET ${path}`]: (_req, res) => endless(res, 200, { 'content-length': String(1024 ** 3) }, server.streamed) });
    await assertCairnError(() => fetchVerified(store(), desc, 1024), 'DIGEST_MISMATCH', /announced 1073741824 bytes/);
  });
});

describe('hostile registry: size caps', () => {
  it('refuses a manifest over 4 MiB by its Content-Length, and by counting when none is sent; 4 MiB exactly is read', async () => {
    const pad = (n: number) => {
      const base = manifestBytes('');
      return Buffer.concat([base.subarray(0, base.length - 3), Buffer.from('x'.repeat(n - base.length)), base.subarray(base.length - 3)]);
    };
    const exact = pad(MAX_MANIFEST_BYTES);
    assert.equal(exact.length, MAX_MANIFEST_BYTES);
    routes({
      [`GET ${m('exact')}`]: serve(exact),
      [`GET ${m('announced')}`]: (_req, res) => endless(res, 200, { 'content-type': OCI_MANIFEST, 'content-length': String(1024 ** 3) }, server.streamed),
      [`GET ${m('chunked')}`]: (_req, res) => endless(res, 200, { 'content-type': OCI_MANIFEST }, server.streamed),
    });
    assert.equal((await store().resolve('exact')).size, MAX_MANIFEST_BYTES);
    await assertCairnError(() => store().resolve('announced'), 'TOO_LARGE', /1073741824 bytes is larger than the limit of 4194304/);
    await assertCairnError(() => store().resolve('chunked'), 'TOO_LARGE', /more than the limit of 4194304 bytes/);
    assert.ok(server.streamed.bytes < STOPPED_EARLY, `server sent ${server.streamed.bytes} bytes`);
  });

  it('reads at most 8 KiB of a 1 GB error body, on a GET, a retried 503 and the answer to a PUT, and says it in one line', async () => {
    const gb = (status: number): Route => (_req, res) => endless(res, status, { 'content-type': 'text/plain' }, server.streamed, 1024 ** 3, 0x7a);
    routes({ [`GET ${m('v1')}`]: gb(404), [`GET ${m('busy')}`]: gb(503), [`PUT ${m(imageDesc.digest)}`]: gb(201) });
    const err = await assertCairnError(() => store().resolve('v1'), 'NOT_FOUND', /^GET http:\/\/127\.0\.0\.1:[0-9]+\/v2\/hostile\/app\/manifests\/v1: 404 z+$/);
    assert.ok(err.message.length < 400);
    await assertCairnError(() => store().resolve('busy'), 'REGISTRY_ERROR', /503/);
    assert.equal(server.requests.filter((r) => r.path.endsWith('/busy')).length, 4, 'a 503 is retried, 4 attempts in all');
    await store().push(imageDesc, image);
    assert.ok(server.streamed.bytes < STOPPED_EARLY, `server sent ${server.streamed.bytes} bytes`);
  });

  it('refuses a token response over 1 MiB, and a tags or referrers page over its cap', async () => {
    routes({
      [`GET ${m('v1')}`]: (_req, res) => json(res, 401, { errors: [] }, { 'www-authenticate': `Bearer realm="${server.url}/token",service="hostile"` }),
      'GET /token': (_req, res) => endless(res, 200, { 'content-type': 'application/json' }, server.streamed),
      [`GET /v2/${REPO}/tags/list`]: (_req, res) => endless(res, 200, { 'content-type': 'application/json' }, server.streamed),
      [`GET /v2/${REPO}/referrers/sha256:${'0'.repeat(64)}`]: serve(indexBytes([]), OCI_INDEX),
      [`GET /v2/${REPO}/referrers/${imageDesc.digest}`]: (_req, res) => endless(res, 200, { 'content-type': OCI_INDEX }, server.streamed),
    });
    await assertCairnError(() => store().resolve('v1'), 'TOO_LARGE', /token response larger than 1 MiB/);
    await assertCairnError(() => store().tags(), 'TOO_LARGE', /more than the limit of 16777216 bytes/);
    await assertCairnError(() => listReferrers(store(), imageDesc), 'TOO_LARGE', /more than the limit of 4194304 bytes/);
    assert.ok(server.streamed.bytes < STOPPED_EARLY * 3, `server sent ${server.streamed.bytes} bytes`);
  });
});

describe('hostile registry: referrers', () => {
  const fallback = (list: Descriptor[], tags: string[] = [referrersTag(imageDesc.digest as `sha256:${string}`)]): Record<string, Route> => ({
    [`GET /v2/${REPO}/referrers/sha256:${'0'.repeat(64)}`]: noApi,
    [`GET ${m(referrersTag(imageDesc.digest as `sha256:${string}`))}`]: serve(indexBytes(list), OCI_INDEX),
    [`GET ${m(imageDesc.digest)}`]: serve(image),
    [`GET /v2/${REPO}/tags/list`]: (_req, res) => json(res, 200, { name: REPO, tags }),
  });

  it('lists a fallback index of 10,000 referrers, and refuses one of 10,001', async () => {
    routes(fallback(entries(10_000)));
    assert.equal((await listReferrers(store(), imageDesc)).length, 10_000);
    routes(fallback(entries(10_001)));
    await assertCairnError(() => listReferrers(store(), imageDesc), 'TOO_LARGE', /more than 10000 referrers/);
  });

  it('lists 10,000 referrers over pages of the referrers API, and refuses 10,001', async () => {
    const pages = (total: number): Record<string, Route> => ({
      [`GET /v2/${REPO}/referrers/sha256:${'0'.repeat(64)}`]: serve(indexBytes([]), OCI_INDEX),
      [`GET /v2/${REPO}/referrers/${imageDesc.digest}`]: (req, res) => {
        const page = Number(new URL(req.url ?? '', server.url).searchParams.get('page') ?? '0');
        const all = entries(total).slice(page * 2500, (page + 1) * 2500);
        const next: Record<string, string> = (page + 1) * 2500 < total ? { link: `</v2/${REPO}/referrers/${imageDesc.digest}?page=${page + 1}>; rel="next"` } : {};
        json(res, 200, indexBytes(all), { 'content-type': OCI_INDEX, ...next });
      },
    });
    routes(pages(10_000));
    assert.equal((await listReferrers(store(), imageDesc)).length, 10_000);
    routes(pages(10_001));
    await assertCairnError(() => listReferrers(store(), imageDesc), 'TOO_LARGE', /more than 10000 referrers/);
  });

  it('discovers 10,000 referrers with a handful of requests, not one per referrer', async () => {
    routes(fallback(entries(10_000)));
    const tree = await discover(store(), imageDesc);
    assert.equal(allReferrers(tree).length, 10_000);
    assert.ok(server.requests.length < 10, `${server.requests.length} requests`);
  });

  it('stops endless pagination at 100 pages, and reports a loop', async () => {
    routes({
      [`GET /v2/${REPO}/tags/list`]: (req, res) => {
        const page = Number(new URL(req.url ?? '', server.url).searchParams.get('last') ?? '0');
        json(res, 200, { name: REPO, tags: [`t${page}`] }, { link: `</v2/${REPO}/tags/list?n=1000&last=${page + 1}>; rel="next"` });
      },
    });
    await assertCairnError(() => store().tags(), 'TOO_LARGE', /more than 100 pages/);
    assert.equal(server.requests.length, 100);
    routes({ [`GET /v2/${REPO}/tags/list`]: (_req, res) => json(res, 200, { tags: ['a'] }, { link: `</v2/${REPO}/tags/list?n=1000>; rel="next"` }) });
    await assertCairnError(() => store().tags(), 'REGISTRY_ERROR', /pagination loops back/);
  });

  it('takes a fallback tag that answers with the image itself, or another manifest, as no referrers (GitLab, oras#2148)', async () => {
    routes({ ...fallback([]), [`GET ${m(referrersTag(imageDesc.digest as `sha256:${string}`))}`]: serve(image, OCI_MANIFEST, { 'docker-content-digest': imageDesc.digest }) });
    assert.deepEqual(await listReferrers(store(), imageDesc), []);
    assert.deepEqual(allReferrers(await discover(store(), imageDesc)), []);
    routes({ ...fallback([]), [`GET ${m(referrersTag(imageDesc.digest as `sha256:${string}`))}`]: serve(manifestBytes('not an index')) });
    assert.deepEqual(await listReferrers(store(), imageDesc), []);
  });

  it('reads a Link header of any shape in linear time', async () => {
    const link = `${'<>;'.repeat(5000)}x`;
    routes({ [`GET /v2/${REPO}/tags/list`]: (_req, res) => json(res, 200, { tags: ['a'] }, { link }) });
    assert.deepEqual(await store().tags(), ['a']);
  });
});

describe('hostile registry: stalls and broken answers', () => {
  it('gives up on a registry that never answers: GETs are retried, a POST is sent once', async () => {
    routes({ [`GET ${m('v1')}`]: () => undefined, [`HEAD /v2/${REPO}/blobs/${digestOf('x')}`]: (_req, res) => json(res, 404, Buffer.alloc(0)), [`POST /v2/${REPO}/blobs/uploads/`]: () => undefined });
    const quick = () => {
      const s = new RegistryStore(new RegistryClient(server.host, { backoffMs: 1, timeoutMs: 200, attempts: 2 }), REPO);
      opened.push(s);
      return s;
    };
    await assertCairnError(() => quick().resolve('v1'), 'NETWORK_ERROR', /UND_ERR_HEADERS_TIMEOUT|no complete answer within 0\.2 s/);
    assert.equal(server.requests.filter((r) => r.method === 'GET').length, 2);
    await assertCairnError(() => quick().push({ mediaType: 'application/octet-stream', digest: digestOf('x'), size: 1 }, Buffer.from('x')), 'NETWORK_ERROR');
    assert.equal(server.requests.filter((r) => r.method === 'POST').length, 1);
  });

  it('never sends a POST or a PATCH again, even with a body it could replay', async () => {
    routes({ [`POST /v2/${REPO}/blobs/uploads/`]: (_req, res) => json(res, 503, Buffer.from('busy')), [`PATCH /v2/${REPO}/blobs/uploads/x`]: (_req, res) => json(res, 503, Buffer.from('busy')) });
    const client = store().client;
    for (const method of ['POST', 'PATCH'] as const) {
      const path = method === 'POST' ? `/v2/${REPO}/blobs/uploads/` : `/v2/${REPO}/blobs/uploads/x`;
      await assertCairnError(() => client.send({ method, path, body: Buffer.from('chunk'), scopes: [], ok: [202] }), 'REGISTRY_ERROR', /503/);
      assert.equal(server.requests.filter((r) => r.method === method).length, 1);
    }
  });

  it('retries a manifest whose body breaks off, and fails a blob stream that breaks off with a NETWORK_ERROR', async () => {
    let n = 0;
    const blob = Buffer.alloc(100_000, 7);
    const desc = { mediaType: 'application/octet-stream', digest: digestOf(blob), size: blob.length };
    routes({
      [`GET ${m('v1')}`]: (_req, res, raw) => {
        if (n++ === 0) raw(`HTTP/1.1 200 OK\r\ncontent-type: ${OCI_MANIFEST}\r\ncontent-length: ${image.length}\r\n\r\n${image.subarray(0, 10).toString()}`);
        else json(res, 200, image, { 'content-type': OCI_MANIFEST });
      },
      [`GET /v2/${REPO}/blobs/${desc.digest}`]: (_req, _res, raw) => raw(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${blob.length}\r\n\r\n`), blob.subarray(0, 50_000)])),
    });
    assert.equal((await store().resolve('v1')).digest, imageDesc.digest);
    assert.equal(n, 2);
    await assertCairnError(() => fetchVerified(store(), desc, blob.length), 'NETWORK_ERROR', /GET http:\/\/127\.0\.0\.1:[0-9]+\/v2\/hostile\/app\/blobs\/sha256:/);
  });

  it('reports malformed HTTP as a NETWORK_ERROR', async () => {
    const answers = ['HTTP/1.1 200 OK\r\ncontent-length: nope\r\n\r\n{}', 'SSH-2.0-OpenSSH\r\n', 'HTTP/1.1 200 OK\r\nbad header\r\n\r\n', 'HTTP/1.1 999999 ?\r\n\r\n', ''];
    for (const a of answers) {
      routes({ [`GET ${m('v1')}`]: (_req, _res, raw) => raw(a) });
      const s: Store = store();
      await assertCairnError(() => s.resolve('v1'), 'NETWORK_ERROR');
    }
  });
});
