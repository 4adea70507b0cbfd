import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
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
});
