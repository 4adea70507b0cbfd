import { describe, it, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { digestOf } from '../../../src/digest/index.js';
import { fetchVerified, OCI_MANIFEST } from '../../../src/oci/index.js';
import { RegistryClient, RegistryStore } from '../../../src/oci/remote/index.js';
import { assertCairnError } from '../../helpers/assert.js';
import { startHostileServer } from '../../helpers/hostile.js';

// Issue 13 §5: `--registry-timeout` bounds each attempt of a request, its whole body included.
// A registry that sends one byte at a time, each well within the timeout, used to keep a
// request alive for as long as it liked (undici's timeouts only bound the silence between
// bytes). The server here counts the bytes it managed to send before Cairn gave up: with a
// byte every 50 ms and a timeout of 1.5 s that is about 30; the request would need 4,000.

const server = await startHostileServer();
after(() => server.close());
const REPO = 'slow/app';
const TIMEOUT_MS = 1500;
const TRICKLE_MS = 50;
// Bytes the server may send before Cairn gives up: the timeout's worth, and a wide margin for a
// loaded machine (what is measured is a count, not a time: the old code sends them all).
const FEW = 400;
const stores: RegistryStore[] = [];
let trickled = 0;

function store(): RegistryStore {
  const s = new RegistryStore(new RegistryClient(server.host, { backoffMs: 1, timeoutMs: TIMEOUT_MS }), REPO);
  stores.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  server.requests.length = 0;
  trickled = 0;
});

// Writes `bytes` to the socket one at a time, TRICKLE_MS apart, until done or the client leaves.
function trickle(socket: Socket | ServerResponse, bytes: Buffer): void {
  let i = 0;
  const timer = setInterval(() => {
    if (i >= bytes.length || (socket as Socket).destroyed || (socket as ServerResponse).writableEnded) {
      clearInterval(timer);
      return;
    }
    try {
      socket.write(bytes.subarray(i, i + 1));
      i++;
      trickled++;
    } catch {
      clearInterval(timer);
    }
  }, TRICKLE_MS);
  socket.on('close', () => clearInterval(timer));
}

const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf('{}'), size: 2 }, layers: [], annotations: { pad: 'x'.repeat(3800) } }));
const desc = { mediaType: OCI_MANIFEST, digest: digestOf(body), size: body.length };

describe('hostile registry: a byte at a time', () => {
  it('fails a manifest whose body trickles in, within the timeout, and does not send it again', { timeout: 60_000 }, async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': String(body.length) });
      trickle(res, body);
    });
    await assertCairnError(() => store().resolve('v1'), 'NETWORK_ERROR', /no complete answer within 1\.5 s/);
    assert.ok(trickled < FEW, `the server sent ${trickled} bytes before the request was given up`);
    assert.equal(server.requests.length, 1, 'a request that ran out of time is not sent again');
  });

  it('fails a blob whose body trickles in', { timeout: 60_000 }, async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
      trickle(res, body);
    });
    await assertCairnError(() => fetchVerified(store(), desc, body.length), 'NETWORK_ERROR', /no complete answer within 1\.5 s/);
    assert.ok(trickled < FEW, `the server sent ${trickled} bytes before the request was given up`);
  });

  it('fails an answer whose headers trickle in, after the attempts a silent registry gets', { timeout: 60_000 }, async () => {
    server.handle((req) => trickle(req.socket, Buffer.from(`HTTP/1.1 200 OK\r\n${'x-pad: y\r\n'.repeat(200)}\r\n`)));
    await assertCairnError(() => store().resolve('v1'), 'NETWORK_ERROR', /no complete answer within 1\.5 s|UND_ERR_HEADERS_TIMEOUT/);
    assert.ok(trickled < FEW, `the server sent ${trickled} bytes before the request was given up`);
    assert.equal(server.requests.length, 4, 'an attempt without an answer is retried, 4 attempts in all');
  });

  it('gives a blob one more timeout for every 64 MiB of its size, so big layers still arrive', async () => {
    const client = new RegistryClient(server.host, { timeoutMs: 1000 });
    assert.equal(client.deadlineFor(0), 1000);
    assert.equal(client.deadlineFor(64 * 1024 * 1024), 2000);
    assert.equal(client.deadlineFor(1024 * 1024 * 1024), 17_000);
    await client.close();
  });
});
