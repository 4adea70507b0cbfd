import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { flattenLayers, type LayerSource } from '../../../src/image/index.js';
import { CairnError } from '../../../src/errors.js';
import { assertCairnError } from '../../helpers/assert.js';
import { TESTDATA } from '../../helpers/paths.js';
import { blocks, DOCKER_GZIP, EOA, gzip, hex, layerOf, OCI_GZIP, OCI_TAR, OCI_ZSTD, rawHeader, sha256, tarOf, zstdOf } from '../../helpers/tar.js';

// Compression, streaming and limits: the same tar through gzip, zstd and no compression;
// truncated and bogus streams; decompression bombs; a 300 MiB layer streamed in flat memory.

const sample = () => tarOf([{ name: 'etc/', type: 'dir' }, { name: 'etc/motd', content: 'hello' }, { name: 'big', content: Buffer.alloc(300_000, 7) }]);

async function expectSample(layer: LayerSource, compression: string, tar: Buffer): Promise<void> {
  const files = await flattenLayers([layer], { diffIds: [sha256(tar)] });
  assert.equal(files.get('etc/motd')?.sha256, hex('hello'));
  assert.equal(files.get('big')?.sha256, hex(Buffer.alloc(300_000, 7)));
  assert.deepEqual([files.layers[0]!.compression, files.layers[0]!.uncompressedSize], [compression, tar.length]);
}

// A zstd frame: a raw block with `head`, then RLE blocks of zero bytes (`zeros` of them).
function zstdZeros(head: Buffer, zeros: number, windowLog = 17): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, (windowLog - 10) << 3])];
  const block = (last: boolean, type: number, size: number) => {
    const h = (last ? 1 : 0) | (type << 1) | (size << 3);
    return Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]);
  };
  parts.push(block(false, 0, head.length), head);
  for (let left = zeros; left > 0; left -= 128 * 1024) parts.push(block(left <= 128 * 1024, 1, Math.min(left, 128 * 1024)), Buffer.from([0]));
  return Buffer.concat(parts);
}

describe('image layers: compression', () => {
  it('reads the same tar plain, gzip (OCI and Docker types) and zstd (raw and RLE blocks)', async () => {
    const tar = await sample();
    await expectSample(layerOf(tar, OCI_TAR), 'none', tar);
    await expectSample(layerOf(gzip(tar), OCI_GZIP, 1000), 'gzip', tar);
    await expectSample(layerOf(gzip(tar), DOCKER_GZIP), 'gzip', tar);
    await expectSample(layerOf(gzip(tar), 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip'), 'gzip', tar);
    await expectSample(layerOf(zstdOf(tar), OCI_ZSTD, 3), 'zstd', tar);
    await expectSample(layerOf(zstdOf(tar, { rle: true, blockSize: 4096, checksum: true }), OCI_ZSTD, 777), 'zstd', tar);
    await expectSample(layerOf(Buffer.concat([zstdOf(tar.subarray(0, 5000)), zstdOf(tar.subarray(5000))]), OCI_ZSTD), 'zstd', tar);
  });

  it('reads the compression from the bytes, as containerd does, whatever the media type says', async () => {
    const tar = await sample();
    await expectSample(layerOf(gzip(tar), OCI_TAR), 'gzip', tar);
    await expectSample(layerOf(tar, OCI_GZIP), 'none', tar);
    await expectSample(layerOf(zstdOf(tar), DOCKER_GZIP), 'zstd', tar);
  });

  it('decodes a layer compressed by the zstd CLI (compressed blocks, two frames, checksum)', async () => {
    const dir = join(TESTDATA, 'tars');
    const expected = JSON.parse(readFileSync(join(dir, 'layer.tar.zst.json'), 'utf8')) as { diffId: string; uncompressedSize: number };
    const bytes = readFileSync(join(dir, 'layer.tar.zst'));
    const files = await flattenLayers([layerOf(bytes, OCI_ZSTD, 500)], { diffIds: [expected.diffId] });
    const lorem = Array.from({ length: 6000 }, (_, n) => `line ${n}: the quick brown fox jumps over the lazy dog\n`).join('');
    const tool = Buffer.from(Array.from({ length: 40000 }, (_, i) => (i * 7) % 251));
    assert.equal(files.get('text/lorem.txt')?.sha256, hex(lorem));
    assert.deepEqual(files.get('bin/tool'), { path: 'bin/tool', type: 'file', mode: 0o755, size: 40000, sha256: hex(tool) });
    assert.equal(files.get('bin/t')?.linkname, 'tool');
    assert.equal(files.layers[0]!.uncompressedSize, expected.uncompressedSize);
  });
});

describe('image layers: broken and hostile streams', () => {
  it('rejects truncated or corrupt gzip, and data after the gzip stream', async () => {
    const gz = gzip(await sample());
    await assertCairnError(() => flattenLayers([layerOf(gz.subarray(0, gz.length - 6), OCI_GZIP)]), 'ARCHIVE_INVALID', /^layer sha256:[0-9a-f]{64}: gzip stream is truncated/);
    const corrupt = Buffer.from(gz);
    corrupt.fill(0xaa, 20, 60);
    await assertCairnError(() => flattenLayers([layerOf(corrupt, OCI_GZIP)]), 'ARCHIVE_INVALID', /gzip data is invalid/);
    await assertCairnError(() => flattenLayers([layerOf(Buffer.concat([gz, Buffer.from('junk')]), OCI_GZIP)]), 'ARCHIVE_INVALID', /gzip data is invalid/);
  });

  it('rejects truncated or malformed zstd', async () => {
    const zst = zstdOf(await sample());
    await assertCairnError(() => flattenLayers([layerOf(zst.subarray(0, zst.length - 100), OCI_ZSTD)]), 'ARCHIVE_INVALID', /zstd stream is truncated/);
    const reserved = Buffer.from(zst);
    reserved[6] = 0b110; // first block header: reserved type 3
    await assertCairnError(() => flattenLayers([layerOf(reserved, OCI_ZSTD)]), 'ARCHIVE_INVALID', /reserved block type/);
    await assertCairnError(() => flattenLayers([layerOf(Buffer.concat([zst, Buffer.from('junk')]), OCI_ZSTD)]), 'ARCHIVE_INVALID', /bad frame magic/);
  });

  it('stops a gzip bomb at the uncompressed-size cap, counted over all layers', async () => {
    const tar = Buffer.concat([rawHeader({ name: 'zeros', size: 16 * 1024 * 1024 }), Buffer.alloc(16 * 1024 * 1024), EOA]);
    const bomb = gzip(tar);
    assert.ok(bomb.length < 100_000, 'the bomb is small');
    await assertCairnError(() => flattenLayers([layerOf(bomb, OCI_GZIP)], { maxUncompressedBytes: 1024 * 1024 }), 'TOO_LARGE', /limit of 1048576 uncompressed bytes/);
    const half = gzip(Buffer.concat([rawHeader({ name: 'a', size: 600_000 }), blocks(Buffer.alloc(600_000)), EOA]));
    await flattenLayers([layerOf(half, OCI_GZIP)], { maxUncompressedBytes: 1024 * 1024 });
    await assertCairnError(() => flattenLayers([layerOf(half, OCI_GZIP), layerOf(half, OCI_GZIP)], { maxUncompressedBytes: 1024 * 1024 }), 'TOO_LARGE');
  });

  it('stops a zstd bomb (RLE blocks) at the cap', async () => {
    const bomb = zstdZeros(rawHeader({ name: 'zeros', size: 64 * 1024 * 1024 }), 64 * 1024 * 1024 + 1024);
    assert.ok(bomb.length < 5000, 'the bomb is small');
    await assertCairnError(() => flattenLayers([layerOf(bomb, OCI_ZSTD)], { maxUncompressedBytes: 2 * 1024 * 1024 }), 'TOO_LARGE', /uncompressed bytes/);
    const files = await flattenLayers([layerOf(zstdZeros(rawHeader({ name: 'z', size: 1 << 20 }), (1 << 20) + 1024), OCI_ZSTD)]);
    assert.equal(files.get('z')?.sha256, hex(Buffer.alloc(1 << 20)));
  });

  it('refuses zstd windows beyond the cap before allocating them, and dictionaries', async () => {
    const tar = await sample();
    await assertCairnError(() => flattenLayers([layerOf(zstdOf(tar, { windowLog: 31 }), OCI_ZSTD)]), 'UNSUPPORTED', /zstd window of 2147483648 bytes is larger than the 33554432/);
    await assertCairnError(() => flattenLayers([layerOf(zstdOf(tar, { windowLog: 20 }), OCI_ZSTD)], { maxZstdWindow: 512 * 1024 }), 'UNSUPPORTED', /larger than the 524288/);
    const single = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0b1110_0000, 0, 0, 0, 0x40, 0, 0, 0, 0]); // single segment, 8-byte content size 2^30
    await assertCairnError(() => flattenLayers([layerOf(single, OCI_ZSTD)]), 'UNSUPPORTED', /window of 1073741824/);
    const dict = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0b0000_0001, 0x38, 7, 1, 0, 0]);
    await assertCairnError(() => flattenLayers([layerOf(dict, OCI_ZSTD)]), 'UNSUPPORTED', /dictionary 7/);
  });

  it('refuses a zstd stream of tiny blocks, each of which would cost a window-sized copy', async () => {
    const tar = await tarOf([{ name: 'a', content: 'a' }]);
    await assertCairnError(() => flattenLayers([layerOf(zstdOf(tar, { windowLog: 23, blockSize: 1 }), OCI_ZSTD)]), 'TOO_LARGE', /too many small blocks for its 8388608-byte window/);
    await flattenLayers([layerOf(zstdOf(tar, { windowLog: 23 }), OCI_ZSTD)]);
  });

  it('passes the source stream errors through unchanged, and wraps foreign ones', async () => {
    const failing = (err: Error): LayerSource => ({
      mediaType: OCI_GZIP,
      digest: `sha256:${'0'.repeat(64)}`,
      open: async () => Readable.from((async function* () {
        yield Buffer.from([0x1f, 0x8b, 8, 0]);
        throw err;
      })()),
    });
    await assertCairnError(() => flattenLayers([failing(new CairnError('DIGEST_MISMATCH', 'content is sha256:x'))]), 'DIGEST_MISMATCH', /^content is sha256:x$/);
    await assertCairnError(() => flattenLayers([failing(new Error('socket hang up'))]), 'IO_ERROR', /cannot read layer: socket hang up/);
  });
});

describe('image layers: streaming', () => {
  it('streams a 300 MiB layer without holding it in memory', async () => {
    const size = 300 * 1024 * 1024;
    const piece = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < piece.length; i++) piece[i] = (i * 31) & 0xff;
    const expected = createHash('sha256');
    for (let i = 0; i < 300; i++) expected.update(piece);
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const layer: LayerSource = {
      mediaType: OCI_TAR,
      digest: `sha256:${'1'.repeat(64)}`,
      open: async () => Readable.from((function* () {
        yield rawHeader({ name: 'huge.bin', size });
        for (let i = 0; i < 300; i++) {
          peak = Math.max(peak, process.memoryUsage().rss);
          yield piece;
        }
        yield EOA;
      })()),
    };
    const files = await flattenLayers([layer]);
    assert.equal(files.get('huge.bin')?.sha256, expected.digest('hex'));
    assert.equal(files.layers[0]!.uncompressedSize, size + 1536);
    assert.ok(peak - before < 150 * 1024 * 1024, `RSS grew by ${Math.round((peak - before) / 1048576)} MiB while streaming 300 MiB`);
  });
});
