import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MockAgent } from 'undici';
import { digestOf } from '../../../src/digest/index.js';
import { fetchVerified } from '../../../src/oci/index.js';
import { RegistryClient, RegistryStore } from '../../../src/oci/remote/index.js';
import { assertCairnError } from '../../helpers/assert.js';

// Issue 9, secrets against a hostile registry (recorded exchanges on undici's MockAgent): the
// Authorization header stays with the registry's origin, an HTTPS registry cannot steer
// credentials to a plain-HTTP token realm, and secrets a registry echoes never reach a message.

const PASSWORD = 'pa55-w0rd-secret';
const BASIC = Buffer.from(`me:${PASSWORD}`).toString('base64');
const TOKEN = 'tok-ABCDEFGHIJKLMNOP';

function setup() {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const client = new RegistryClient('reg.example', { dispatcher: agent, backoffMs: 1, credentials: async () => ({ kind: 'basic', username: 'me', password: PASSWORD }) });
  return { agent, https: agent.get('https://reg.example'), http: agent.get('http://reg.example'), store: new RegistryStore(client, 'team/app') };
}

const noAuth = (h: Record<string, string | string[] | undefined>) => !Object.keys(h).some((k) => k.toLowerCase() === 'authorization');

function assertNoSecret(text: string): void {
  for (const s of [PASSWORD, BASIC, TOKEN]) assert.ok(!text.includes(s), `secret ${s} in ${JSON.stringify(text)}`);
}

describe('credentials stay with the registry', () => {
  it('drops the Authorization header on a redirect to the same host over plain HTTP', async () => {
    const { agent, https, http, store } = setup();
    const blob = Buffer.from('layer');
    const desc = { mediaType: 'application/octet-stream', digest: digestOf(blob), size: blob.length };
    https.intercept({ path: `/v2/team/app/blobs/${desc.digest}`, method: 'GET' }).reply(401, '', { headers: { 'www-authenticate': 'Basic realm="r"' } });
    https.intercept({ path: `/v2/team/app/blobs/${desc.digest}`, method: 'GET', headers: { authorization: `Basic ${BASIC}` } }).reply(307, '', { headers: { location: `http://reg.example/storage/${desc.digest}` } });
    http.intercept({ path: `/storage/${desc.digest}`, method: 'GET', headers: noAuth }).reply(200, blob);
    assert.deepEqual(await fetchVerified(store, desc, 100), blob);
    agent.assertNoPendingInterceptors();
  });

  it('answers the Basic challenges of requests sent in parallel, each of them (no false "credentials rejected")', async () => {
    const { agent, https, store } = setup();
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf('{}'), size: 2 }, layers: [] }));
    const headers = { 'content-type': 'application/vnd.oci.image.manifest.v1+json' };
    for (const tag of ['a', 'b', 'c']) {
      https.intercept({ path: `/v2/team/app/manifests/${tag}`, method: 'GET', headers: noAuth }).reply(401, '', { headers: { 'www-authenticate': 'Basic realm="r"' } });
      https.intercept({ path: `/v2/team/app/manifests/${tag}`, method: 'GET', headers: { authorization: `Basic ${BASIC}` } }).reply(200, manifest, { headers });
    }
    const found = await Promise.all(['a', 'b', 'c'].map((t) => store.resolve(t)));
    assert.deepEqual(found.map((d) => d.digest), Array(3).fill(digestOf(manifest)));
    agent.assertNoPendingInterceptors();
  });

  it('refuses to send the credentials of an HTTPS registry to a plain-HTTP token realm', async () => {
    const { https, store } = setup();
    https.intercept({ path: '/v2/team/app/manifests/v1', method: 'GET' }).reply(401, '', { headers: { 'www-authenticate': 'Bearer realm="http://auth.example/token",service="reg"' } });
    const err = await assertCairnError(() => store.resolve('v1'), 'UNAUTHORIZED', /plain-HTTP token realm; refused/);
    assertNoSecret(err.message);
  });

  it('keeps a password, credential or token that the registry echoes out of the error', async () => {
    const { agent, https, store } = setup();
    const auth = agent.get('https://auth.example');
    https.intercept({ path: '/v2/team/app/manifests/v1', method: 'GET' }).reply(401, '', { headers: { 'www-authenticate': 'Bearer realm="https://auth.example/token",service="reg"' } });
    auth.intercept({ path: (p) => p.startsWith('/token'), method: 'GET', headers: { authorization: `Basic ${BASIC}` } }).reply(200, { token: TOKEN });
    const echo = { errors: [{ code: 'DENIED', message: `no access for Bearer ${TOKEN} (password ${PASSWORD}, Basic ${BASIC})` }] };
    https.intercept({ path: '/v2/team/app/manifests/v1', method: 'GET', headers: { authorization: `Bearer ${TOKEN}` } }).reply(403, echo);
    const err = await assertCairnError(() => store.resolve('v1'), 'UNAUTHORIZED', /403 DENIED: no access for Bearer \*\*\* \(password \*\*\*, Basic \*\*\*\)/);
    assertNoSecret(err.message);
    assertNoSecret(String(err.stack));
  });

  it('refuses a token with a line break (header injection) without quoting it', async () => {
    const { agent, https, store } = setup();
    const auth = agent.get('https://auth.example');
    https.intercept({ path: '/v2/team/app/manifests/v1', method: 'GET' }).reply(401, '', { headers: { 'www-authenticate': 'Bearer realm="https://auth.example/token"' } });
    auth.intercept({ path: (p) => p.startsWith('/token'), method: 'GET' }).reply(200, { token: `${TOKEN}\r\nX-Evil: 1` });
    const err = await assertCairnError(() => store.resolve('v1'), 'NETWORK_ERROR');
    assertNoSecret(err.message);
    assert.ok(!err.message.includes('\n'));
  });
});
