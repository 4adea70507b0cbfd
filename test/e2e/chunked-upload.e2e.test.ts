import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { chunks, RegistryClient, RegistryStore, uploadBlob } from '../../src/oci/remote/index.js';
import type { Descriptor } from '../../src/schema/index.js';
import { prng } from '../helpers/prng.js';
import { useRegistry } from '../helpers/registry.js';

// Blobs above CHUNKED_THRESHOLD go up as PATCH chunks and a closing PUT (distribution-spec,
// "Pushing a blob in chunks"). Nothing exercised that path but the 1 GiB bench rows, where its
// 64 MiB chunks held ~200 MiB per layer in flight (copy --referrers peaked at 903 MiB). Here the
// same code with small sizes against the real registry: the blob arrives whole, with its
// digest; and the splitter gives exact chunks, none keeping a larger buffer alive.

const registry = useRegistry();

function bytes(n: number, seed: number): Buffer {
  const random = prng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(random() * 256);
  return b;
}

// A stream of `data` in pieces of uneven sizes, as a network stream comes.
function uneven(data: Buffer, seed: number): Readable {
  const random = prng(seed);
  const pieces: Buffer[] = [];
  for (let at = 0; at < data.length;) {
    const n = 1 + Math.floor(random() * 70_000);
    pieces.push(data.subarray(at, at + n));
    at += n;
  }
  return Readable.from(pieces);
}

describe('chunked blob uploads', () => {
  it('splits a stream into exact chunks, each its own buffer', async () => {
    const data = bytes(1_000_003, 1);
    const out: Buffer[] = [];
    for await (const c of chunks(uneven(data, 2), 131_072)) out.push(c);
    assert.deepEqual(out.map((c) => c.length), [...Array(7).fill(131_072), 1_000_003 - 7 * 131_072]);
    assert.ok(Buffer.concat(out).equals(data));
    for (const c of out) assert.equal(c.buffer.byteLength, c.length, 'a chunk keeps no larger buffer alive behind it');
  });

  it('uploads a blob in chunks to the real registry, whole and digest-checked', async () => {
    const data = bytes(3_500_000, 3);
    const desc: Descriptor = { mediaType: 'application/octet-stream', digest: `sha256:${createHash('sha256').update(data).digest('hex')}`, size: data.length };
    const client = new RegistryClient(registry().host);
    const store = new RegistryStore(client, 'chunked/blob');
    try {
      await uploadBlob(client, 'chunked/blob', desc, uneven(data, 4), { chunkSize: 1_000_000 });
      assert.equal(await store.exists(desc), true);
      const back: Buffer[] = [];
      for await (const c of await store.fetch(desc)) back.push(c as Buffer);
      assert.ok(Buffer.concat(back).equals(data));
      // a stream that is not the blob it claims to be is refused, and nothing is committed
      const wrong = { ...desc, digest: `sha256:${'1'.repeat(64)}` };
      await assert.rejects(uploadBlob(client, 'chunked/blob', wrong, uneven(data, 5), { chunkSize: 1_000_000 }), (e: Error & { code?: string }) => e.code === 'DIGEST_MISMATCH');
      assert.equal(await store.exists(wrong), false);
    } finally {
      await store.close();
    }
  });
});
