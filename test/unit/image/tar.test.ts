import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import tarStream from 'tar-stream';
import { flattenLayers, type ImageFiles } from '../../../src/image/index.js';
import { TarReader, type TarHeader } from '../../../src/image/tar.js';
import { assertCairnError } from '../../helpers/assert.js';
import { blocks, EOA, hex, layerOf, paxRecord, rawHeader, tarOf, type TarEntrySpec } from '../../helpers/tar.js';

// The tar reader: formats and extensions as Go's archive/tar reads them, malformed and hostile
// archives, and a differential check against tar-stream's parser on random archives.

const flatRaw = (...parts: Buffer[]): Promise<ImageFiles> => flattenLayers([layerOf(Buffer.concat(parts), undefined, 333)]);
const paths = (files: ImageFiles) => files.files.map((f) => `${f.path}:${f.type}${f.sha256 ? `:${f.sha256.slice(0, 8)}` : ''}${f.linkname ? `->${f.linkname}` : ''}`);
const h8 = (s: string) => hex(s).slice(0, 8);

describe('tar reader: formats', () => {
  it('reads USTAR prefixes, GNU and V7 headers, and base-256 sizes', async () => {
    const files = await flatRaw(
      rawHeader({ name: 'file', prefix: 'some/prefix', size: 2 }), blocks('ab'),
      rawHeader({ name: 'gnu', format: 'gnu', size: 1 }), blocks('g'),
      rawHeader({ name: 'v7', format: 'v7', size: 1 }), blocks('v'),
      rawHeader({ name: 'big', size: 3, base256: true }), blocks('xyz'),
      EOA,
    );
    assert.deepEqual(paths(files), ['big:file:' + h8('xyz'), 'gnu:file:' + h8('g'), 'some:dir', 'some/prefix:dir', 'some/prefix/file:file:' + h8('ab'), 'v7:file:' + h8('v')]);
  });

  it('accepts a checksum summed over signed bytes, as Go does', async () => {
    const files = await flatRaw(rawHeader({ name: 'café', size: 1, signedChecksum: true }), blocks('c'), EOA);
    assert.deepEqual(paths(files), [`café:file:${h8('c')}`]);
    await assertCairnError(() => flatRaw(rawHeader({ name: 'café', size: 1, signedChecksum: true, badChecksum: true }), blocks('c'), EOA), 'ARCHIVE_INVALID', /checksum/);
  });

  it('applies PAX path, linkpath and size, and GNU long names and links', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(120)}`;
    const rec = paxRecord('path', long) + paxRecord('size', '3');
    const files = await flatRaw(
      rawHeader({ name: 'PaxHeaders/x', flag: 'x', size: Buffer.byteLength(rec) }),
      blocks(rec),
      rawHeader({ name: 'short', size: 99 }), blocks('pax'),
      rawHeader({ name: '././@LongLink', flag: 'L', size: 9 }), blocks('gnu/long\0'),
      rawHeader({ name: 'ignored', flag: '2', linkname: 'x' }),
      rawHeader({ name: '././@LongLink', flag: 'K', size: 12 }), blocks('target/long\0'),
      rawHeader({ name: 'sym', flag: '2', linkname: 'short' }),
      EOA,
    );
    assert.equal(files.get(long)?.sha256, hex('pax'));
    assert.equal(files.get('gnu/long')?.linkname, 'x');
    assert.equal(files.get('sym')?.linkname, 'target/long');
  });

  it('ignores a global PAX header, as Go and containerd do', async () => {
    const rec = paxRecord('path', 'renamed');
    const files = await flatRaw(rawHeader({ name: 'g', flag: 'g', size: rec.length }), blocks(rec), rawHeader({ name: 'kept', size: 1 }), blocks('k'), EOA);
    assert.deepEqual(paths(files), [`kept:file:${h8('k')}`]);
  });

  it('reads an old regular-file flag with a trailing slash as a directory, and "0" with one as a file', async () => {
    const files = await flatRaw(rawHeader({ name: 'olddir/', flag: '\0' }), rawHeader({ name: 'notdir/', flag: '0', size: 1 }), blocks('n'), EOA);
    assert.deepEqual(paths(files), ['notdir:file:' + h8('n'), 'olddir:dir']);
  });

  it('reads no data after header-only types, whatever their size field says (as Go)', async () => {
    const files = await flatRaw(rawHeader({ name: 'sym', flag: '2', linkname: 't', size: 512 }), rawHeader({ name: 'd', flag: '5', size: 1024 }), rawHeader({ name: 'f', size: 1 }), blocks('f'), EOA);
    assert.deepEqual(paths(files), ['d:dir', `f:file:${h8('f')}`, 'sym:symlink->t']);
  });

  it('accepts one zero block as the end, and ignores whatever follows two', async () => {
    const entry = [rawHeader({ name: 'a', size: 1 }), blocks('a')];
    assert.deepEqual(paths(await flatRaw(...entry, Buffer.alloc(512))), [`a:file:${h8('a')}`]);
    const after = await flatRaw(...entry, EOA, rawHeader({ name: 'smuggled', size: 1 }), blocks('s'), EOA);
    assert.deepEqual(paths(after), [`a:file:${h8('a')}`]);
  });
});

describe('tar reader: malformed and hostile archives', () => {
  const entry = [rawHeader({ name: 'a', size: 600 }), blocks(Buffer.alloc(600, 1))];

  it('rejects an archive cut inside an entry, and one without an end-of-archive marker', async () => {
    const whole = Buffer.concat([...entry, EOA]);
    await assertCairnError(() => flatRaw(whole.subarray(0, 700)), 'ARCHIVE_INVALID', /tar is truncated: stream ends inside an entry/);
    await assertCairnError(() => flatRaw(whole.subarray(0, 1024 + 100)), 'ARCHIVE_INVALID', /truncated/);
    await assertCairnError(() => flatRaw(...entry), 'ARCHIVE_INVALID', /no end-of-archive marker/);
    await assertCairnError(() => flatRaw(Buffer.alloc(0)), 'ARCHIVE_INVALID', /no end-of-archive marker/);
  });

  it('rejects a header after a single zero block, a bad checksum and a bad number', async () => {
    await assertCairnError(() => flatRaw(...entry, Buffer.alloc(512), rawHeader({ name: 'b' }), EOA), 'ARCHIVE_INVALID', /header after an end-of-archive block at byte 2048/);
    await assertCairnError(() => flatRaw(rawHeader({ name: 'a', badChecksum: true }), EOA), 'ARCHIVE_INVALID', /bad header checksum/);
    const bad = rawHeader({ name: 'a' });
    bad.write('12345678', 124, 'latin1'); // '8' is not octal; fix the checksum so only the size is wrong
    bad.fill(0x20, 148, 156);
    bad.write(`${bad.reduce((s, c) => s + c, 0).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    await assertCairnError(() => flatRaw(bad, EOA), 'ARCHIVE_INVALID', /invalid size field/);
  });

  it('caps PAX and GNU long-name headers (default 1 MiB, like Go)', async () => {
    const huge = paxRecord('comment', 'x'.repeat(2 * 1024 * 1024));
    await assertCairnError(() => flatRaw(rawHeader({ name: 'p', flag: 'x', size: huge.length }), blocks(huge), rawHeader({ name: 'a' }), EOA), 'TOO_LARGE', /extended header of 2097\d+ bytes at byte 0 is larger than the limit of 1048576/);
    const small = paxRecord('path', 'y'.repeat(3000));
    const layer = layerOf(Buffer.concat([rawHeader({ name: 'p', flag: 'x', size: small.length }), blocks(small), rawHeader({ name: 'a' }), EOA]));
    await assertCairnError(() => flattenLayers([layer], { maxHeaderBytes: 1024 }), 'TOO_LARGE', /limit of 1024/);
    await assertCairnError(() => flatRaw(rawHeader({ name: 'L', flag: 'L', size: 5_000_000 }), EOA), 'TOO_LARGE', /limit/);
  });

  it('rejects paths longer than PATH_MAX, names that are not UTF-8 and malformed PAX records', async () => {
    const long = paxRecord('path', 'z/'.repeat(2100));
    await assertCairnError(() => flatRaw(rawHeader({ name: 'p', flag: 'x', size: long.length }), blocks(long), rawHeader({ name: 'a' }), EOA), 'ARCHIVE_INVALID', /longer than 4096 bytes/);
    const latin1 = rawHeader({ name: 'x' });
    latin1[0] = 0xe9;
    latin1.fill(0x20, 148, 156);
    latin1.write(`${latin1.reduce((s, c) => s + c, 0).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    await assertCairnError(() => flatRaw(latin1, EOA), 'UNSUPPORTED', /not UTF-8/);
    for (const rec of ['5 a=b\n', '9 path=x', '12 noequals\n', '7 =val\n']) {
      await assertCairnError(() => flatRaw(rawHeader({ name: 'p', flag: 'x', size: rec.length }), blocks(rec), rawHeader({ name: 'a' }), EOA), 'ARCHIVE_INVALID', /PAX header at byte 0 is malformed/);
    }
  });

  it('rejects sparse files and entry types a runtime cannot create', async () => {
    await assertCairnError(() => flatRaw(rawHeader({ name: 's', flag: 'S' }), EOA), 'UNSUPPORTED', /GNU sparse file/);
    const rec = paxRecord('GNU.sparse.major', '1') + paxRecord('GNU.sparse.minor', '0');
    await assertCairnError(() => flatRaw(rawHeader({ name: 'p', flag: 'x', size: rec.length }), blocks(rec), rawHeader({ name: 'a' }), EOA), 'UNSUPPORTED', /sparse/);
    await assertCairnError(() => flatRaw(rawHeader({ name: 'c', flag: '7' }), EOA), 'UNSUPPORTED', /entry type "7"/);
    await assertCairnError(() => flatRaw(rawHeader({ name: 'v', flag: 'V' }), EOA), 'UNSUPPORTED', /entry type "V"/);
  });

  it('rejects an extended header that no entry follows, and caps the number of entries', async () => {
    const rec = paxRecord('path', 'x');
    await assertCairnError(() => flatRaw(rawHeader({ name: 'p', flag: 'x', size: rec.length }), blocks(rec), EOA), 'ARCHIVE_INVALID', /extended header without an entry/);
    const tar = await tarOf([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    await assertCairnError(() => flattenLayers([layerOf(tar)], { maxEntries: 2 }), 'TOO_LARGE', /more than the limit of 2 tar entries/);
  });

  it('caps the memory kept for names, and rejects symlink targets longer than PATH_MAX', async () => {
    const tar = await tarOf([{ name: 'a'.repeat(300) }, { name: 'b'.repeat(300) }, { name: 's', type: 'symlink', linkname: 'c'.repeat(300) }]);
    await flattenLayers([layerOf(tar)], { maxPathBytes: 901 });
    await assertCairnError(() => flattenLayers([layerOf(tar)], { maxPathBytes: 900 }), 'TOO_LARGE', /limit of 900 bytes of names/);
    const long = await tarOf([{ name: 's', type: 'symlink', linkname: 'x/'.repeat(2049) }]);
    await assertCairnError(() => flattenLayers([layerOf(long)]), 'ARCHIVE_INVALID', /symlink to a target longer than 4096 bytes/);
  });
});

// tar-stream's own parser, as an independent reading of the archives tarOf writes.
async function tarStreamEntries(tar: Buffer): Promise<string[]> {
  const out: string[] = [];
  const extract = tarStream.extract();
  Readable.from([tar]).pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    const h = entry.header;
    out.push(`${h.name}|${h.type}|${h.linkname ?? ''}|${h.type === 'file' ? hex(Buffer.concat(chunks)) : ''}`);
  }
  return out;
}

function ourEntries(tar: Buffer, chunk: number): string[] {
  const out: string[] = [];
  const names: Record<string, string> = { dir: 'directory', hardlink: 'link' };
  let current: TarHeader | undefined;
  let parts: Buffer[] = [];
  const reader = new TarReader({
    entry: (h) => { current = h; parts = []; },
    data: (c) => parts.push(Buffer.from(c)),
    end: () => {
      const h = current!;
      out.push(`${h.name}|${names[h.type] ?? h.type}|${h.linkname}|${h.type === 'file' ? hex(Buffer.concat(parts)) : ''}`);
    },
  }, 1 << 20);
  for (let at = 0; at < tar.length; at += chunk) reader.push(tar.subarray(at, at + chunk));
  reader.finish();
  return out;
}

describe('tar reader: agrees with tar-stream on random archives', () => {
  it('reads the same entries, names, links and contents, whatever the chunking', async () => {
    const segment = fc.stringMatching(/^[a-zA-Z0-9._ é-]{1,40}$/).filter((s) => s !== '.' && s !== '..');
    const entry = fc.record({
      name: fc.array(segment, { minLength: 1, maxLength: 6 }).map((p) => p.join('/')),
      type: fc.constantFrom('file', 'file', 'dir', 'symlink', 'hardlink', 'fifo') as fc.Arbitrary<NonNullable<TarEntrySpec['type']>>,
      content: fc.uint8Array({ maxLength: 1500 }).map((a) => Buffer.from(a)),
      linkname: fc.array(segment, { minLength: 1, maxLength: 8 }).map((p) => p.join('/')),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 12 }), fc.integer({ min: 1, max: 2000 }), async (specs, chunk) => {
        const tar = await tarOf(specs.map((s) => (s.type === 'symlink' || s.type === 'hardlink' ? { name: s.name, type: s.type, linkname: s.linkname } : s)));
        assert.deepEqual(ourEntries(tar, chunk), await tarStreamEntries(tar));
      }),
      { numRuns: 150 },
    );
  });
});
