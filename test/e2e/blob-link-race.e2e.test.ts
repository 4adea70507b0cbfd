import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { digestOf } from '../../src/digest/index.js';
import { closeStore, EMPTY_BYTES, EMPTY_DESCRIPTOR, OCI_MANIFEST, openStore, parseReference, type Store } from '../../src/oci/index.js';
import { useRegistry } from '../helpers/registry.js';

// distribution 2.8.2 rewrites a repository's blob link in place (truncate, then write) whenever a
// client commits that blob again, and a manifest PUT that checks the blob in that window is
// refused with DIGEST_INVALID + MANIFEST_BLOB_UNKNOWN. Fifty attaches started at once all commit
// the empty config blob, so some of them met it (CI, stop 21: one attach of fifty exited 3).
// Here, on the real registry: one writer commits the empty blob over and over while another
// pushes manifests that reference it. Without the retry about 5 in 300 PUTs failed here.

const registry = useRegistry();
const PUTS = 300;
let store: Store;

describe('a manifest PUT while another client commits the same blob again', () => {
  before(async () => {
    store = await openStore(parseReference(`${registry().host}/race/app`));
    await store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES);
  });
  after(async () => {
    await closeStore(store);
  });

  it('lands every time', async () => {
    let done = false;
    let commits = 0;
    const rewriteErrors: string[] = [];
    const rewriter = (async () => {
      while (!done) {
        // absent: skip the HEAD, commit the blob again as a second client would (its own
        // failures are not what is tested; they are shown if too few commits happened)
        await store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES, { absent: true }).then(() => commits++, (err: Error) => rewriteErrors.push(err.message));
      }
    })();
    const failures: string[] = [];
    try {
      for (let i = 0; i < PUTS; i++) {
        const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: EMPTY_DESCRIPTOR, layers: [EMPTY_DESCRIPTOR], annotations: { n: String(i) } }));
        await store.push({ mediaType: OCI_MANIFEST, digest: digestOf(bytes), size: bytes.length }, bytes).catch((err: Error) => failures.push(err.message));
      }
    } finally {
      done = true;
      await rewriter;
    }
    assert.deepEqual(failures, []);
    // the race was there to be met: the blob was committed again throughout (a commit is two
    // requests, a PUT one: about one commit per two PUTs)
    assert.ok(commits >= PUTS / 4, `only ${commits} commits of the blob beside ${PUTS} PUTs; errors: ${rewriteErrors.slice(0, 3).join('; ')}`);
  });
});
