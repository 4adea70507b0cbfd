import { describe, it, before } from 'node:test';
import fc from 'fast-check';
import { flattenLayers } from '../../../src/image/index.js';
import { onlyCairnErrorsAsync } from '../../helpers/fuzz.js';
import { gzip, layerOf, OCI_GZIP, OCI_TAR, tarOf, zstdOf, OCI_ZSTD } from '../../helpers/tar.js';

// Issue 9: layer tars with any byte changed, cut or inserted (plain, gzip, zstd) flatten to
// files or fail with a one-line CairnError, never another exception and never a hang. The
// hand-written hostile corpus is in test/unit/image/*.test.ts; this throws noise at it.

let layers: { bytes: Buffer; mediaType: string }[] = [];

describe('fuzz: mutated layer archives', () => {
  before(async () => {
    const tar = await tarOf([
      { name: 'etc/', type: 'dir' },
      { name: 'etc/passwd', content: 'root:x:0:0\n' },
      { name: `long/${'n'.repeat(150)}/file`, content: 'pax name' },
      { name: 'etc/link', type: 'symlink', linkname: '../etc/passwd' },
      { name: 'etc/hard', type: 'hardlink', linkname: 'etc/passwd' },
      { name: 'dev/null', type: 'char' },
      { name: 'etc/.wh.gone', content: '' },
      { name: 'x', content: Buffer.alloc(3000, 7), pax: { 'SCHILY.xattr.user.x': 'y' } },
    ]);
    layers = [{ bytes: tar, mediaType: OCI_TAR }, { bytes: gzip(tar), mediaType: OCI_GZIP }, { bytes: zstdOf(tar), mediaType: OCI_ZSTD }];
  });

  it('flips, cuts and insertions give files or a CairnError', { timeout: 120_000 }, async () => {
    const edit = fc.record({ layer: fc.nat(2), at: fc.nat(), flip: fc.integer({ min: 1, max: 255 }), cut: fc.boolean(), insert: fc.uint8Array({ maxLength: 8 }) });
    await fc.assert(fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
      const base = layers[edits[0]!.layer]!;
      let bytes = Buffer.from(base.bytes);
      for (const e of edits) {
        const i = e.at % bytes.length;
        if (e.cut) bytes = bytes.subarray(0, i);
        else if (e.insert.length) bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from(e.insert), bytes.subarray(i)]);
        else bytes[i] = (bytes[i] ?? 0) ^ e.flip;
        if (bytes.length === 0) bytes = Buffer.from([0]);
      }
      await onlyCairnErrorsAsync(() => flattenLayers([layerOf(bytes, base.mediaType, 97)]));
    }), { numRuns: 300 });
  });
});
