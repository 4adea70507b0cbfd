import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { digestOf } from '../../../src/digest/index.js';
import { CairnError } from '../../../src/errors.js';
import { OciLayoutStore } from '../../../src/oci/index.js';
import { assertCairnError } from '../../helpers/assert.js';
import { tmpDir } from '../../helpers/tmp.js';

// Issue 9: a transfer into an OCI layout that fails (the registry connection drops at once)
// leaves neither a blob nor a temp file, however early it fails. Found by the fault tests: the
// temp file was opened asynchronously, so a source failing at once was cleaned up before the
// file existed, and the file appeared afterwards.

describe('OCI layout writes that fail', () => {
  it('leave no temp file when the source fails before the first byte', async () => {
    const dir = tmpDir('cairn-layout-writes-');
    const store = OciLayoutStore.open(dir, { create: true });
    const bytes = Buffer.from('a blob');
    const desc = { mediaType: 'application/octet-stream', digest: digestOf(bytes), size: bytes.length };
    for (let i = 0; i < 20; i++) {
      const failing = new Readable({ read() { this.destroy(new CairnError('NETWORK_ERROR', 'connection reset')); } });
      await assertCairnError(() => store.push(desc, failing), 'NETWORK_ERROR');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(readdirSync(join(dir, 'ingest')), []);
    assert.equal(existsSync(join(dir, 'blobs/sha256', desc.digest.slice(7))), false);
  });
});
