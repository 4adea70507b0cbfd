import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashFiles } from '../../../src/artifacts/index.js';
import { sha256Hex } from '../../../src/digest/index.js';
import { tmpDir, writeTree } from '../../helpers/tmp.js';
import { assertCairnError } from '../../helpers/assert.js';

describe('parallel hashing', () => {
  const dir = tmpDir();
  const files: Record<string, string> = {};
  for (let i = 0; i < 5000; i++) files[`f${i}`] = `content ${i}`;
  writeTree(dir, files);
  const paths = Object.keys(files).map((f) => join(dir, f));

  it('returns every hash in input order with worker threads', async () => {
    const hashes = await hashFiles(paths, false, 3);
    assert.equal(hashes.length, paths.length);
    for (let i = 0; i < paths.length; i += 499) assert.equal(hashes[i], sha256Hex(`content ${i}`));
  });

  it('reports a file that vanished, with its path', async () => {
    await assertCairnError(() => hashFiles([...paths, join(dir, 'gone')], false, 2), 'FILE_NOT_FOUND', /gone: no such file/);
  });

  // Few files are hashed on the calling thread, big ones with read-ahead: every size around the
  // 1 MiB buffer and the 4 MiB read-ahead chunks must give the file's own digest.
  it('hashes few files, big and small, on this thread with the same digests', async () => {
    const sizes = [0, 1, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, (5 << 20), (9 << 20) + 12345];
    const big = sizes.map((size, i) => {
      const bytes = Buffer.alloc(size);
      for (let j = 0; j < size; j += 4093) bytes[j] = (i * 31 + j) & 0xff;
      const path = join(dir, `big${i}`);
      writeFileSync(path, bytes);
      return { path, digest: sha256Hex(bytes) };
    });
    const hashes = await hashFiles(big.map((b) => b.path), false, 1);
    assert.deepEqual(hashes, big.map((b) => b.digest));
    await assertCairnError(() => hashFiles([big[6]!.path, join(dir, 'gone')], false, 1), 'FILE_NOT_FOUND', /gone: no such file/);
  });
});
