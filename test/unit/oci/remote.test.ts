import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MockAgent } from 'undici';
import { digestOf } from '../../../src/digest/index.js';
import { RegistryClient, RegistryStore, parseChallenge, credentialsFromConfig, redactUrl } from '../../../src/oci/remote/index.js';
import { fetchVerified, listReferrers, OCI_INDEX, OCI_MANIFEST } from '../../../src/oci/index.js';
import { assertCairnError } from '../../helpers/assert.js';

// The registry client on recorded, spec-exact HTTP exchanges (undici's MockAgent: no sockets).
// The referrers API path lives here until a registry with the API can run in the e2e suite.

const REG = 'http://127.0.0.1:5000';
const AUTH = 'http://127.0.0.1:6000';
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf('{}'), size: 2 }, layers: [] }));
const mdigest = digestOf(manifest);

function setup(options: { username?: string; password?: string } = {}) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const client = new RegistryClient('127.0.0.1:5000', {
    dispatcher: agent,
    backoffMs: 1,
    credentials: async () => (options.username ? { kind: 'basic', username: options.username, password: options.password ?? '' } : undefined),
  });
  return { agent, reg: agent.get(REG), auth: agent.get(AUTH), store: new RegistryStore(client, 'team/app') };
}

const manifestHeaders = { 'content-type': OCI_MANIFEST, 'docker-content-digest': mdigest };

describe('registry client: auth', () => {
  it('parses Bearer and Basic challenges', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"'), {
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/ubuntu:pull' },
    });
    assert.deepEqual(parseChallenge('Basic realm="cairn-test"'), { scheme: 'basic', params: { realm: 'cairn-test' } });
    assert.equal(parseChallenge('Basic realm="a", Bearer realm="http://x/t"')?.scheme, 'bearer');
  });

  it('gets a bearer token for the scope once and reuses it', async () => {
    const { agent, reg, auth, store } = setup({ username: 'u', password: 'p' });
    reg.intercept({ path: '/v2/team/app/manifests/v1', method: 'GET' }).reply(401, '', { headers: { 'www-authenticate': `Bearer realm="${AUTH}/token",service="reg",scope="repository:team/app:pull"` } });
    auth.intercept({ path: '/token?service=reg&scope=repository%3Ateam%2Fapp%3Apull', method: 'GET', headers: { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` } }).reply(200, { token: 'T1', expires_in: 300 });
    reg.intercept({ path: '/v2/team/app/manifests/v1', method: 'GET', headers: { authorization: 'Bearer T1' } }).reply(200, manifest, { headers: manifestHeaders }).times(2);
    assert.equal((await store.resolve('v1')).digest, mdigest);
    assert.equal((await store.resolve('v1')).digest, mdigest);
    agent.assertNoPendingInterceptors();
  });

  it('answers a Basic challenge with the credentials, and says when they are rejected', async () => {
    const { reg, store } = setup({ username: 'u', password: 'secret-pw' });
    reg.intercept({ path: '/v2/team/app/manifests/v1', method: 'GET' }).reply(401, '', { headers: { 'www-authenticate': 'Basic realm="r"' } });
    reg.intercept({ path: '/v2/team/app/manifests/v1', method: 'GET', headers: { authorization: `Basic ${Buffer.from('u:secret-pw').toString('base64')}` } }).reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
    const err = await assertCairnError(() => store.resolve('v1'), 'UNAUTHORIZED', /credentials rejected/);
    assert.ok(!err.message.includes('secret-pw'));
  });

  it('asks for credentials when there are none', async () => {
    const { reg, store } = setup();
    reg.intercept({ path: '/v2/team/app/manifests/v1', method: 'GET' }).reply(401, '', { headers: { 'www-authenticate': 'Basic realm="r"' } });
    await assertCairnError(() => store.resolve('v1'), 'UNAUTHORIZED', /authentication required/);
  });

  it('reads credentials from a Docker config', async () => {
    const env = {};
    const basic = await credentialsFromConfig({ auths: { 'https://reg.example': { auth: Buffer.from('me:pw:with:colons').toString('base64') } } }, 'reg.example', env, 'cfg');
    assert.deepEqual(basic, { kind: 'basic', username: 'me', password: 'pw:with:colons' });
    const hub = await credentialsFromConfig({ auths: { 'https://index.docker.io/v1/': { identitytoken: 'refresh' } } }, 'docker.io', env, 'cfg');
    assert.deepEqual(hub, { kind: 'identity-token', token: 'refresh' });
    assert.equal(await credentialsFromConfig({ auths: {} }, 'other.example', env, 'cfg'), undefined);
  });
});

describe('registry client: errors, retries, redirects', () => {
  it('turns an error body into one line with the registry code', async () => {
    const { reg, store } = setup();
    reg.intercept({ path: '/v2/team/app/manifests/nope', method: 'GET' }).reply(404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'nope' } }] });
    const err = await assertCairnError(() => store.resolve('nope'), 'NOT_FOUND', /^GET http:\/\/127\.0\.0\.1:5000\/v2\/team\/app\/manifests\/nope: 404 MANIFEST_UNKNOWN: manifest unknown$/);
    assert.equal(err.message.includes('\n'), false);
  });

  it('redacts query strings from URLs', () => {
    assert.equal(redactUrl('https://u:p@s3.example/bucket/blob?X-Amz-Signature=abc'), 'https://s3.example/bucket/blob?…');
  });

  it('retries idempotent requests on 503 and 429', async () => {
    const { reg, store } = setup();
    reg.intercept({ path: '/v2/team/app/manifests/v1', method: 'GET' }).reply(503, 'busy');
    reg.intercept({ path: '/v2/team/app/manifests/v1', method: 'GET' }).reply(429, 'slow down', { headers: { 'retry-after': '0' } });
    reg.intercept({ path: '/v2/team/app/manifests/v1', method: 'GET' }).reply(200, manifest, { headers: manifestHeaders });
    assert.equal((await store.resolve('v1')).digest, mdigest);
  });

  it('does not retry a POST', async () => {
    const { reg, store } = setup();
    const blob = Buffer.from('blob');
    const desc = { mediaType: 'application/octet-stream', digest: digestOf(blob), size: blob.length };
    reg.intercept({ path: `/v2/team/app/blobs/${desc.digest}`, method: 'HEAD' }).reply(404, '');
    reg.intercept({ path: '/v2/team/app/blobs/uploads/', method: 'POST' }).reply(503, 'busy');
    await assertCairnError(() => store.push(desc, blob), 'REGISTRY_ERROR', /503/);
  });

  it('follows a blob redirect to storage without sending the Authorization header there', async () => {
    const { agent, reg, auth: storage, store } = setup({ username: 'u', password: 'p' });
    const blob = Buffer.from('layer bytes');
    const desc = { mediaType: 'application/octet-stream', digest: digestOf(blob), size: blob.length };
    reg.intercept({ path: `/v2/team/app/blobs/${desc.digest}`, method: 'GET' }).reply(401, '', { headers: { 'www-authenticate': 'Basic realm="r"' } });
    reg.intercept({ path: `/v2/team/app/blobs/${desc.digest}`, method: 'GET' }).reply(307, '', { headers: { location: `${AUTH}/storage/blob?sig=secret` } });
    storage.intercept({ path: '/storage/blob?sig=secret', method: 'GET', headers: (h) => !Object.keys(h).some((k) => k.toLowerCase() === 'authorization') }).reply(200, blob, { headers: { 'content-length': String(blob.length) } });
    assert.deepEqual(await fetchVerified(store, desc, 100), blob);
    agent.assertNoPendingInterceptors();
  });

  it('checks manifests against their digest and Docker-Content-Digest', async () => {
    const { reg, store } = setup();
    reg.intercept({ path: `/v2/team/app/manifests/${mdigest}`, method: 'GET' }).reply(200, Buffer.concat([manifest, Buffer.from(' ')]), { headers: { 'content-type': OCI_MANIFEST } });
    await assertCairnError(() => store.resolve(mdigest), 'DIGEST_MISMATCH');
    reg.intercept({ path: '/v2/team/app/manifests/v1', method: 'GET' }).reply(200, manifest, { headers: { 'content-type': OCI_MANIFEST, 'docker-content-digest': digestOf('other') } });
    await assertCairnError(() => store.resolve('v1'), 'DIGEST_MISMATCH', /registry says/);
    reg.intercept({ path: '/v2/team/app/manifests/huge', method: 'GET' }).reply(200, '{}', { headers: { 'content-type': OCI_MANIFEST, 'content-length': String(5 * 1024 * 1024) } });
    await assertCairnError(() => store.resolve('huge'), 'TOO_LARGE');
  });
});

describe('referrers API (recorded exchanges)', () => {
  const subject = { mediaType: OCI_MANIFEST, digest: mdigest, size: manifest.length };
  const zero = `sha256:${'0'.repeat(64)}`;
  const entry = (n: number, type: string) => ({ mediaType: OCI_MANIFEST, digest: digestOf(`r${n}`), size: 100 + n, artifactType: type, annotations: { n: String(n) } });

  it('treats distribution 2.8.2 (404 text/plain) as no API', async () => {
    const { reg, store } = setup();
    reg.intercept({ path: `/v2/team/app/referrers/${zero}`, method: 'GET' }).reply(404, '404 page not found\n', { headers: { 'content-type': 'text/plain; charset=utf-8' } });
    assert.equal(await store.referrers(subject), null);
    assert.equal(await store.referrers(subject), null);
  });

  it('does not take a 200 that is not an index as the API', async () => {
    const { reg, store } = setup();
    reg.intercept({ path: `/v2/team/app/referrers/${zero}`, method: 'GET' }).reply(200, '<html>', { headers: { 'content-type': 'text/html' } });
    assert.equal(await store.referrers(subject), null);
  });

  it('lists every page and filters by artifactType when the registry did not', async () => {
    const { agent, reg, store } = setup();
    reg.intercept({ path: `/v2/team/app/referrers/${zero}`, method: 'GET' }).reply(200, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }, { headers: { 'content-type': OCI_INDEX } });
    reg.intercept({ path: `/v2/team/app/referrers/${mdigest}?artifactType=application%2Fvnd.in-toto%2Bjson`, method: 'GET' }).reply(200, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [entry(1, 'application/vnd.in-toto+json'), entry(2, 'application/other')] }, {
      headers: { 'content-type': OCI_INDEX, link: `</v2/team/app/referrers/${mdigest}?artifactType=application%2Fvnd.in-toto%2Bjson&last=2>; rel="next"` },
    });
    reg.intercept({ path: `/v2/team/app/referrers/${mdigest}?artifactType=application%2Fvnd.in-toto%2Bjson&last=2`, method: 'GET' }).reply(200, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [entry(3, 'application/vnd.in-toto+json')] }, { headers: { 'content-type': OCI_INDEX } });
    const found = await listReferrers(store, subject, 'application/vnd.in-toto+json');
    assert.deepEqual(found.map((d) => d.annotations?.['n']), ['1', '3']);
    agent.assertNoPendingInterceptors();
  });

  it('trusts OCI-Filters-Applied, and stops on a pagination loop', async () => {
    const { reg, store } = setup();
    reg.intercept({ path: `/v2/team/app/referrers/${zero}`, method: 'GET' }).reply(200, { schemaVersion: 2, manifests: [] }, { headers: { 'content-type': OCI_INDEX } });
    const page = `/v2/team/app/referrers/${mdigest}`;
    reg.intercept({ path: page, method: 'GET' }).reply(200, { schemaVersion: 2, manifests: [entry(1, 'a')] }, { headers: { 'content-type': OCI_INDEX, link: `<${page}?p=2>; rel="next"` } });
    reg.intercept({ path: `${page}?p=2`, method: 'GET' }).reply(200, { schemaVersion: 2, manifests: [entry(2, 'a')] }, { headers: { 'content-type': OCI_INDEX, link: `<${page}?p=2>; rel="next"` } });
    await assertCairnError(() => listReferrers(store, subject), 'REGISTRY_ERROR', /loops/);
  });
});
