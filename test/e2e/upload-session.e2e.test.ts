import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { fetchVerified } from '../../src/oci/index.js';
import type { Descriptor } from '../../src/schema/index.js';
import { RegistryClient, RegistryStore } from '../../src/oci/remote/index.js';
import { useRegistry } from '../helpers/registry.js';

// attest opens the upload session of its document's layer while the subject resolves
// (RegistryStore.prepareUpload), so that the layer goes up in one PUT once signed: a round trip
// less (issue 19, attest at push speed). Against the real registry: the session opened ahead
// is the one used, and one never used is deleted when the store closes.

const registry = useRegistry();

function store(repo: string, log: string[]): RegistryStore {
  return new RegistryStore(new RegistryClient(registry().host, { onDebug: (line) => log.push(line) }), repo);
}

const blob = (bytes: Buffer): Descriptor => ({ mediaType: 'application/octet-stream', digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length });

describe('upload sessions opened ahead', () => {
  it('the next blob push uses the session opened ahead: one POST, the blob whole', async () => {
    const log: string[] = [];
    const s = store('session/used', log);
    try {
      s.prepareUpload();
      const bytes = randomBytes(10_000);
      await s.push(blob(bytes), bytes);
      assert.equal(log.filter((l) => l.startsWith('POST ')).length, 1);
      assert.ok((await fetchVerified(s, blob(bytes), 1 << 20)).equals(bytes));
      // the next push opens its own session
      const more = randomBytes(20_000);
      await s.push(blob(more), more);
      assert.equal(log.filter((l) => l.startsWith('POST ')).length, 2);
      assert.equal(log.filter((l) => l.startsWith('DELETE ')).length, 0);
    } finally {
      await s.close();
    }
  });

  it('a session opened ahead and never used is deleted when the store closes', async () => {
    const log: string[] = [];
    const s = store('session/unused', log);
    s.prepareUpload();
    await s.close();
    const post = log.findIndex((l) => l.startsWith('POST '));
    const del = log.findIndex((l) => l.startsWith('DELETE ') && l.includes('/v2/session/unused/blobs/uploads/'));
    assert.ok(post >= 0 && del > post, log.join('\n'));
  });
});
