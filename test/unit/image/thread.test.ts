import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { flattenLayers, warmLayerThread, type FlattenOptions, type LayerSource } from '../../../src/image/index.js';
import { CairnError } from '../../../src/errors.js';
import { blocks, EOA, gzip, hex, layerOf, OCI_GZIP, OCI_TAR, OCI_ZSTD, rawHeader, sha256, tarOf, zstdOf, type TarEntrySpec } from '../../helpers/tar.js';

// Big layers are parsed on a worker thread (FlattenOptions.threadFrom, 16 MiB by default).
// threadFrom: 0 sends every layer there; each case must come out exactly as on
// the main thread: the same files and reports, or the same error (code and message), also when
// the stream fails after a bad byte was already sent to the thread.

const INLINE: FlattenOptions = { threadFrom: Number.POSITIVE_INFINITY };
const THREADED: FlattenOptions = { threadFrom: 0 };

type Outcome = { ok: unknown } | { code: string; message: string };

async function outcome(make: () => LayerSource[], options: FlattenOptions): Promise<Outcome> {
  try {
    const files = await flattenLayers(make(), options);
    return { ok: { files: files.files, layers: files.layers } };
  } catch (err) {
    if (!(err instanceof CairnError)) throw err;
    return { code: err.code, message: err.message };
  }
}

async function same(make: () => LayerSource[], extra: FlattenOptions = {}): Promise<Outcome> {
  const inline = await outcome(make, { ...INLINE, ...extra });
  const threaded = await outcome(make, { ...THREADED, ...extra });
  assert.deepEqual(threaded, inline);
  return inline;
}

const files = (n: number, prefix: string): TarEntrySpec[] =>
  Array.from({ length: n }, (_, i) => ({ name: `${prefix}/f${i}`, content: Buffer.alloc(3000 + i, i & 0xff) }));

describe('image layers parsed on the layer thread', () => {
  it('gives the same files and reports for gzip and plain layers (several layers, one thread)', async () => {
    const t1 = await tarOf([{ name: 'a/', type: 'dir' }, ...files(300, 'a'), { name: 'big', content: Buffer.alloc(3 << 20, 9) }]);
    const t2 = await tarOf([{ name: 'a/.wh.f1', content: '' }, { name: 'b', type: 'symlink', linkname: 'a/f2' }, { name: 'd3', content: Buffer.alloc(3003, 3) }, { name: 'c', type: 'hardlink', linkname: 'd3' }]);
    const r = await same(() => [layerOf(gzip(t1), OCI_GZIP, 50_000), layerOf(t2, OCI_TAR, 777)], { diffIds: [sha256(t1), sha256(t2)] });
    const ok = (r as { ok: { files: Array<{ path: string; sha256?: string }> } }).ok;
    assert.equal(ok.files.find((f) => f.path === 'big')?.sha256, hex(Buffer.alloc(3 << 20, 9)));
    assert.equal(ok.files.find((f) => f.path === 'c')?.sha256, hex(Buffer.alloc(3003, 3)));
    assert.ok(!ok.files.some((f) => f.path === 'a/f1'));
  });

  it('takes a thread started ahead (warmLayerThread), once', async () => {
    const t = await tarOf(files(40, 'w'));
    warmLayerThread();
    warmLayerThread();
    await same(() => [layerOf(gzip(t), OCI_GZIP, 4096), layerOf(t, OCI_TAR)], { diffIds: [sha256(t), sha256(t)] });
    await same(() => [layerOf(gzip(t), OCI_GZIP, 4096)], { diffIds: [sha256(t)] });
  });

  it('gives the same files for zstd layers', async () => {
    const t = await tarOf(files(20, 'z'));
    await same(() => [layerOf(zstdOf(t), OCI_ZSTD)], { diffIds: [sha256(t)] });
  });

  it('reads a zstd layer bigger than the ring, whose blocks straddle its slots (the decoder keeps views)', async () => {
    const content = randomBytes(20 << 20);
    const t = await tarOf([{ name: 'big', content }]);
    const r = await same(() => [layerOf(zstdOf(t, { blockSize: 100_000 }), OCI_ZSTD, 48 * 1024)], { diffIds: [sha256(t)] });
    assert.equal((r as { ok: { files: Array<{ sha256?: string }> } }).ok.files[0]?.sha256, hex(content));
  });

  it('fails the same way on a bad header, a truncated tar and an unsafe path', async () => {
    const good = await tarOf(files(50, 'g'));
    const entry = Buffer.concat([rawHeader({ name: 'ok', size: 5000 }), blocks(Buffer.alloc(5000, 1))]);
    const badSum = Buffer.concat([entry, entry, rawHeader({ name: 'x', size: 0, badChecksum: true }), EOA]);
    const cut = good.subarray(0, good.length - 4096);
    const unsafe = Buffer.concat([rawHeader({ name: '../etc/passwd', size: 1 }), blocks('x'), EOA]);
    for (const bytes of [badSum, cut, unsafe]) {
      const r = await same(() => [layerOf(gzip(bytes), OCI_GZIP, 4096)]);
      assert.ok('code' in r, 'must fail');
    }
  });

  it('reports the bad byte before the stream fails later (as when parsing on the main thread)', async () => {
    const good = await tarOf(files(200, 'h'));
    const bad = Buffer.concat([rawHeader({ name: 'x', size: 0, badChecksum: true }), good]);
    const failingLate = (): LayerSource[] => [{
      mediaType: OCI_TAR,
      digest: `sha256:${'0'.repeat(64)}`,
      size: bad.length,
      open: async () => Readable.from((async function* () {
        for (let at = 0; at < bad.length; at += 64 * 1024) yield bad.subarray(at, at + 64 * 1024);
        throw new CairnError('DIGEST_MISMATCH', 'content is sha256:y');
      })()),
    }];
    const r = await same(failingLate);
    assert.equal((r as { code: string }).code, 'ARCHIVE_INVALID');
  });

  it('passes a failing stream through when the bytes before it parse', async () => {
    const good = await tarOf(files(10, 'k'));
    const failing = (): LayerSource[] => [{
      mediaType: OCI_TAR,
      digest: `sha256:${'0'.repeat(64)}`,
      size: good.length,
      open: async () => Readable.from((async function* () {
        yield good.subarray(0, 4096);
        throw new CairnError('DIGEST_MISMATCH', 'content is sha256:z');
      })()),
    }];
    const r = await same(failing);
    assert.deepEqual(r, { code: 'DIGEST_MISMATCH', message: 'content is sha256:z' });
  });

  it('counts entries and names over all layers, threaded or not', async () => {
    const t1 = await tarOf(files(30, 'm'));
    const t2 = await tarOf(files(30, 'n'));
    const r = await same(() => [layerOf(t1), layerOf(t2)], { maxEntries: 45 });
    assert.equal((r as { code: string }).code, 'TOO_LARGE');
    await same(() => [layerOf(t1), layerOf(t2)], { maxEntries: 60 });
    const names = await same(() => [layerOf(t1), layerOf(t2)], { maxPathBytes: 200 });
    assert.equal((names as { code: string }).code, 'TOO_LARGE');
  });
});
