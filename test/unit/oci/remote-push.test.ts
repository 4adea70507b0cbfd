import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MockAgent } from 'undici';
import { digestOf } from '../../../src/digest/index.js';
import { RegistryClient, RegistryStore } from '../../../src/oci/remote/index.js';
import { OCI_MANIFEST, pushAndTag } from '../../../src/oci/index.js';
import { assertCairnError } from '../../helpers/assert.js';

// What the registry store sends when it pushes (undici's MockAgent, no sockets; any request
// without an interceptor fails): a manifest with tags goes up by its tags alone, small blobs
// held in memory skip the HEAD, the referrers API is probed once, and bytes that do not match
// their descriptor are refused before anything is sent.

const REG = 'http://127.0.0.1:5000';
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf('{}'), size: 2 }, layers: [] }));
const desc = { mediaType: OCI_MANIFEST, digest: digestOf(manifest), size: manifest.length };

function setup() {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const client = new RegistryClient('127.0.0.1:5000', { dispatcher: agent, backoffMs: 1, attempts: 1 });
  return { agent, reg: agent.get(REG), store: new RegistryStore(client, 'team/app') };
}

describe('registry store: pushing', () => {
  it('pushes a manifest by its tag alone (no PUT by digest), then tags it again from memory', async () => {
    const { agent, reg, store } = setup();
    const seen: string[] = [];
    for (const tag of ['t1', 't2']) {
      reg.intercept({ path: `/v2/team/app/manifests/${tag}`, method: 'PUT', body: (b: string) => String(b) === manifest.toString() }).reply(() => {
        seen.push(tag);
        return { statusCode: 201, data: '', responseOptions: { headers: { 'docker-content-digest': desc.digest } } };
      });
    }
    await pushAndTag(store, desc, manifest, ['t1']);
    await store.tag(desc, 't2');
    assert.deepEqual(seen, ['t1', 't2']);
    agent.assertNoPendingInterceptors();
  });

  it('refuses bytes that are not the descriptor\'s before sending, and a registry that stored something else', async () => {
    const { reg, store } = setup();
    await assertCairnError(() => store.pushTagged(desc, Buffer.concat([manifest, Buffer.from(' ')]), ['t1']), 'DIGEST_MISMATCH');
    reg.intercept({ path: '/v2/team/app/manifests/t1', method: 'PUT' }).reply(201, '', { headers: { 'docker-content-digest': digestOf('other') } });
    await assertCairnError(() => store.pushTagged(desc, manifest, ['t1']), 'DIGEST_MISMATCH', /stored the manifest as/);
  });

  it('uploads a small blob held in memory without a HEAD first, and checks it before sending', async () => {
    const { agent, reg, store } = setup();
    const blob = Buffer.from('{"hello":"world"}');
    const bdesc = { mediaType: 'application/octet-stream', digest: digestOf(blob), size: blob.length };
    await assertCairnError(() => store.push({ ...bdesc, digest: digestOf('x') }, blob), 'DIGEST_MISMATCH');
    reg.intercept({ path: '/v2/team/app/blobs/uploads/', method: 'POST' }).reply(202, '', { headers: { location: '/v2/team/app/blobs/uploads/u1' } });
    reg.intercept({ path: `/v2/team/app/blobs/uploads/u1?digest=${encodeURIComponent(bdesc.digest)}`, method: 'PUT', body: (b: string) => String(b) === blob.toString() }).reply(201, '');
    await store.push(bdesc, blob);
    agent.assertNoPendingInterceptors();
  });

  it('probes the referrers API once, however often it is asked', async () => {
    const { agent, reg, store } = setup();
    reg.intercept({ path: `/v2/team/app/referrers/sha256:${'0'.repeat(64)}`, method: 'GET' }).reply(404, '404 page not found', { headers: { 'content-type': 'text/plain' } });
    assert.deepEqual(await Promise.all([store.listsReferrers(), store.listsReferrers()]), [false, false]);
    assert.equal(await store.referrers(desc), null);
    agent.assertNoPendingInterceptors();
  });

  // distribution's filesystem driver truncates and rewrites a blob's link when another client
  // commits the blob again; a manifest PUT that reads the link then gets this pair of codes
  it('sends a manifest PUT again when the registry read a blob link mid-write, not when a blob is missing', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const reg = agent.get(REG);
    const store = new RegistryStore(new RegistryClient('127.0.0.1:5000', { dispatcher: agent, backoffMs: 1, attempts: 3 }), 'team/app');
    const midWrite = JSON.stringify({ errors: [{ code: 'DIGEST_INVALID', message: 'provided digest did not match uploaded content' }, { code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry' }] });
    let puts = 0;
    reg.intercept({ path: '/v2/team/app/manifests/t1', method: 'PUT' }).reply(() => (++puts, { statusCode: 400, data: midWrite })).times(2);
    reg.intercept({ path: '/v2/team/app/manifests/t1', method: 'PUT' }).reply(() => (++puts, { statusCode: 201, data: '' }));
    await store.pushTagged(desc, manifest, ['t1']);
    assert.equal(puts, 3);
    agent.assertNoPendingInterceptors();

    const missing = JSON.stringify({ errors: [{ code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry' }] });
    puts = 0;
    reg.intercept({ path: '/v2/team/app/manifests/t2', method: 'PUT' }).reply(() => (++puts, { statusCode: 400, data: missing })).persist();
    await assertCairnError(() => store.pushTagged(desc, manifest, ['t2']), 'REGISTRY_ERROR', /MANIFEST_BLOB_UNKNOWN/);
    assert.equal(puts, 1);
    // and the pair, every time: the client's attempts end it with the registry's answer
    puts = 0;
    reg.intercept({ path: '/v2/team/app/manifests/t3', method: 'PUT' }).reply(() => (++puts, { statusCode: 400, data: midWrite })).persist();
    await assertCairnError(() => store.pushTagged(desc, manifest, ['t3']), 'DIGEST_MISMATCH', /MANIFEST_BLOB_UNKNOWN/);
    assert.equal(puts, 3);
  });
});
