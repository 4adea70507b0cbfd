import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GunzipSync } from '../../../src/image/inflate.js';
import { assertCairnErrorSync } from '../../helpers/assert.js';

// The synchronous gzip decoder must read exactly what node's createGunzip reads, whatever the
// chunking of its input and the size of its reused output buffer.

function inflate(gz: Buffer, piece: number, outSize: number): Buffer {
  const parts: Buffer[] = [];
  const d = new GunzipSync(Buffer.alloc(outSize), (c) => parts.push(Buffer.from(c)));
  for (let at = 0; at < gz.length; at += piece) d.push(gz.subarray(at, at + piece));
  d.end();
  d.close();
  return Buffer.concat(parts);
}

const text = Buffer.from(Array.from({ length: 20000 }, (_, i) => `line ${i % 97}\n`).join(''));

describe('GunzipSync', () => {
  it('decodes compressible and incompressible data in any chunking, into any output size', () => {
    for (const data of [text, randomBytes(300_000), Buffer.alloc(0)]) {
      const gz = gzipSync(data);
      for (const [piece, out] of [[1, 7], [4096, 1024], [65536, 256 * 1024], [gz.length, 1 << 20]] as const) {
        assert.ok(inflate(gz, piece, out).equals(data), `piece ${piece}, out ${out}`);
      }
    }
  });

  it('reads concatenated members and trailing zero bytes as createGunzip does', () => {
    const two = Buffer.concat([gzipSync(text), gzipSync(Buffer.from('tail'))]);
    assert.ok(inflate(two, 1000, 4096).equals(gunzipSync(two)));
    const padded = Buffer.concat([gzipSync(text), Buffer.alloc(100)]);
    assert.ok(inflate(padded, 333, 4096).equals(text));
  });

  it('fails on a cut stream, on corrupt data and on data after the stream', () => {
    const gz = gzipSync(text);
    assertCairnErrorSync(() => inflate(gz.subarray(0, gz.length - 5), 512, 4096), 'ARCHIVE_INVALID', /^gzip stream is truncated$/);
    assertCairnErrorSync(() => inflate(gz.subarray(0, 1), 512, 4096), 'ARCHIVE_INVALID', /^gzip stream is truncated$/);
    const corrupt = Buffer.from(gz);
    corrupt.fill(0xaa, 20, 60);
    assertCairnErrorSync(() => inflate(corrupt, 512, 4096), 'ARCHIVE_INVALID', /^gzip data is invalid: /);
    const badCrc = Buffer.from(gz);
    badCrc[badCrc.length - 6]! ^= 1;
    assertCairnErrorSync(() => inflate(badCrc, 512, 4096), 'ARCHIVE_INVALID', /^gzip data is invalid: incorrect data check$/);
    assertCairnErrorSync(() => inflate(Buffer.concat([gz, Buffer.from('junk')]), 512, 4096), 'ARCHIVE_INVALID', /^gzip data is invalid: /);
  });
});
