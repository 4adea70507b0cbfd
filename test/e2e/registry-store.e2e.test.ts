import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, parseReference, closeStore, referrersTag, readReferrersIndex, type Store } from '../../src/oci/index.js';
import { storeContract } from '../helpers/store-contract.js';
import { useRegistry } from '../helpers/registry.js';
import { buildImage, pushImage } from '../helpers/image.js';
import { assertCairnError } from '../helpers/assert.js';

// The Store contract against the real registry (distribution 2.8.2: no referrers API, so the
// referrers test goes through the sha256-<hex> tag schema), and registry-specific behaviour.

const registry = useRegistry();
let n = 0;
const opened: Store[] = [];

async function freshStore(): Promise<Store> {
  const store = await openStore(parseReference(`${registry().host}/contract/repo${++n}`));
  opened.push(store);
  return store;
}

storeContract('RegistryStore (distribution 2.8.2)', freshStore);

describe('RegistryStore against distribution 2.8.2', () => {
  it('finds no referrers API and keeps referrers in the sha256-<hex> index', async () => {
    const store = await freshStore();
    const subject = await pushImage(store, await buildImage('api-probe'), 'x');
    const { isReferrerLister } = await import('../../src/oci/index.js');
    assert.ok(isReferrerLister(store));
    assert.equal(await store.referrers(subject), null);
    const { index, digest } = await readReferrersIndex(store, subject);
    assert.equal(digest, undefined);
    assert.deepEqual(index.manifests, []);
    assert.match(referrersTag(subject.digest as `sha256:${string}`), /^sha256-[0-9a-f]{64}$/);
  });

  it('reports an unknown repository and manifest as NOT_FOUND', async () => {
    const store = await freshStore();
    await assertCairnError(() => store.resolve('latest'), 'NOT_FOUND', /404.*(NAME_UNKNOWN|MANIFEST_UNKNOWN)/);
  });

  it('mounts a blob from another repository of the same registry', async () => {
    const a = await freshStore();
    const b = await freshStore();
    const img = await buildImage('mount');
    await pushImage(a, img, 'v1');
    const layer = img.blobs[0]?.desc;
    assert.ok(layer);
    const { isBlobMounter } = await import('../../src/oci/index.js');
    assert.ok(isBlobMounter(b));
    assert.equal(await b.mount(layer, a), true);
    assert.equal(await b.exists(layer), true);
  });

  it('closes its connections', async () => {
    for (const s of opened.splice(0)) await closeStore(s);
  });
});
