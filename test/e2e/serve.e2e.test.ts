import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { connect as netConnect } from 'node:net';
import { request } from 'node:https';
import { join } from 'node:path';
import { useRegistry, runCairn } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';
import { buildImage, pushImage } from '../helpers/image.js';
import { makeCA, makeCert, type CertFiles } from '../helpers/certs.js';
import { ExternalData, provider, sendRequestToProvider, violations, type Provider } from '../helpers/gatekeeper.js';
import { startServe, type ServeProcess } from '../helpers/serve.js';
import { evaluateValidatingPolicy, type ValidatingPolicySpec } from '../helpers/kyverno.js';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../helpers/paths.js';
import { startFaultProxy, type FaultProxy } from '../helpers/proxy.js';
import { openStore, parseReference, closeStore } from '../../src/oci/index.js';
import { generateKey, encodeKeyPair } from '../../src/crypto/index.js';

// `cairn serve` for real: TLS 1.3 with a client CA (openssl-made certificates), the real
// registry, and a client that sends and reads exactly what Gatekeeper does (test/helpers/
// gatekeeper.ts), down to its per-key response cache and the template's decision.

interface Value { verified: boolean; digest: string; pinned: boolean; tag?: string; reason?: string; cache: string; source: string; policyDigest: string }

describe('cairn serve: the deploy gate', () => {
  const registry = useRegistry();
  const dir = tmpDir('cairn-serve-');
  let reg = '';
  let proxy: FaultProxy;
  let gk: CertFiles;
  let foreign: CertFiles;
  let serverCA: CertFiles;
  const images: Record<string, string> = {};
  let layoutRef = '';
  let gate: ServeProcess;
  let prod: Provider;
  let config: Record<string, unknown>;

  const ok = async (args: string[]) => {
    const r = await runCairn(args, { cwd: dir });
    assert.equal(r.code, 0, `cairn ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const ask = async (keys: string[], p: Provider = prod) => {
    const r = await sendRequestToProvider(p, keys, gk);
    assert.ok(r.response, `no response: ${r.error}`);
    return r.response!.response;
  };
  const valueOf = (items: Array<{ key: string; value?: unknown }> | undefined, key: string) => items?.find((i) => i.key === key)?.value as Value | undefined;

  before(async () => {
    reg = registry().host;
    proxy = await startFaultProxy(reg);
    // keys: the layout owner, the builder (functionary), the summary signer
    for (const n of ['owner', 'builder', 'summary', 'other']) {
      const { privatePem, publicPem } = encodeKeyPair(generateKey('ed25519'));
      writeFileSync(join(dir, n), privatePem, { mode: 0o600 });
      writeFileSync(join(dir, `${n}.pub`), publicPem);
    }
    // images: good (its app/bin is what the build produced), bad (another app/bin, same link), unsigned
    const store = await openStore(parseReference(`${reg}/app`));
    for (const seed of ['good', 'bad', 'unsigned', 'slow', 'tagged', 'vsa', 'clivsa']) images[seed] = (await pushImage(store, await buildImage(seed), seed)).digest;
    await closeStore(store);
    // a build link per image whose app/bin it produced (the bad image gets the good one's)
    for (const seed of ['good', 'slow', 'tagged', 'vsa', 'clivsa']) {
      writeFileSync(join(dir, 'bin'), `#!/bin/sh\necho ${seed}/amd64\n`);
      await ok(['run', '-n', 'build', '-k', 'builder', '-p', 'bin', '-x', '-d', `links-${seed}`]);
    }
    await ok(['layout', 'create', '--step', 'build=builder.pub', '--expires', '30d', '--out', 'root.layout']);
    const layout = JSON.parse(readFileSync(join(dir, 'root.layout'), 'utf8'));
    layout.signed.steps[0].expected_products = [['CREATE', 'bin'], ['DISALLOW', '*']];
    layout.signed.inspect = [{ _type: 'inspection', name: 'image', run: ['cairn:image'], expected_materials: [['MATCH', 'bin', 'IN', 'app', 'WITH', 'PRODUCTS', 'FROM', 'build'], ['DISALLOW', 'app/bin'], ['ALLOW', '*']], expected_products: [['ALLOW', '*']] }];
    writeFileSync(join(dir, 'root.layout'), JSON.stringify(layout));
    await ok(['layout', 'sign', 'root.layout', '--key', 'owner']);
    layoutRef = `${reg}/policy@${await ok(['layout', 'push', 'root.layout', `${reg}/policy:1`])}`;
    for (const seed of ['good', 'bad', 'slow', 'tagged', 'vsa', 'clivsa']) await ok(['attach', `${reg}/app@${images[seed]}`, ...linkFiles(seed === 'bad' ? 'good' : seed)]);
    // certificates: the gate's, Gatekeeper's (client CA), and a stranger's
    serverCA = makeCA(dir, 'server-ca');
    const server = makeCert(dir, serverCA, 'server', 'server');
    const gkCA = makeCA(dir, 'gatekeeper-ca');
    gk = makeCert(dir, gkCA, 'gatekeeper', 'client');
    foreign = makeCert(dir, makeCA(dir, 'foreign-ca'), 'foreign', 'client');
    copyFileSync(server.cert, join(dir, 'tls.crt'));
    copyFileSync(server.key, join(dir, 'tls.key'));
    config = {
      listen: '127.0.0.1:0',
      tls: { cert: 'tls.crt', key: 'tls.key', clientCA: 'gatekeeper-ca.crt', reloadSeconds: 1 },
      deadlineMs: 1500,
      registries: { [reg]: {}, [proxy.host]: { timeoutSeconds: 3 }, '127.0.0.1:1': { timeoutSeconds: 1 } },
      policies: {
        prod: { layout: layoutRef, layoutKeys: ['owner.pub'] },
        tags: { layout: layoutRef, layoutKeys: ['owner.pub'], requireDigest: false },
      },
    };
    writeFileSync(join(dir, 'serve.json'), JSON.stringify(config));
    gate = await startServe(['--config', join(dir, 'serve.json')]);
    await gate.waitFor((r) => r['msg'] === 'policy ready' && r['policy'] === 'prod');
    prod = provider('cairn-prod', `${gate.url}/verify/prod`, serverCA.cert);
  });

  after(async () => {
    await gate?.stop();
    await proxy?.close();
  });

  function linkFiles(seed: string): string[] {
    return readdirSync(join(dir, `links-${seed}`)).map((f: string) => join(dir, `links-${seed}`, f));
  }

  it('passes a verified image and fails the unsigned one and the one with a wrong layer', async () => {
    const good = `${reg}/app@${images['good']}`;
    const bad = `${reg}/app@${images['bad']}`;
    const unsigned = `${reg}/app@${images['unsigned']}`;
    const ed = new ExternalData(gk);
    const rr = await ed.call(prod, [good, bad, unsigned]);
    assert.equal(rr.status_code, 200);
    assert.equal(rr.system_error, '');
    assert.deepEqual(rr.errors, []);
    const v = (k: string) => rr.responses.find((r) => r[0] === k)?.[1] as Value;
    assert.equal(v(good).verified, true, JSON.stringify(v(good)));
    assert.equal(v(good).digest, images['good']);
    assert.equal(v(good).pinned, true);
    assert.equal(v(bad).verified, false);
    assert.match(v(bad).reason ?? '', /image/);
    assert.equal(v(unsigned).verified, false);
    assert.deepEqual(violations([good], await ed.call(prod, [good])), []);
    assert.equal(violations([good, bad, unsigned], rr).length, 2);
    // the second ask is a cache hit at the gate
    const again = await ask([good]);
    assert.equal(valueOf(again.items, good)?.cache, 'hit');
    // the hit's decision line (written from text kept with the cached verdict) says the same
    const hitLine = await gate.waitFor((r) => r['msg'] === 'decision' && r['key'] === good && r['cache'] === 'hit');
    assert.deepEqual([hitLine['level'], hitLine['verdict'], hitLine['policy'], hitLine['image'], hitLine['source']], ['info', 'pass', 'prod', good, 'verified']);
    assert.match(String(hitLine['time']), /^\d{4}-\d\d-\d\dT/);
    assert.match(String(hitLine['policyDigest']), /^sha256:[0-9a-f]{64}$/);
    const line = await gate.waitFor((r) => r['msg'] === 'decision' && r['key'] === bad);
    assert.equal(line['verdict'], 'fail');
    assert.equal(line['policy'], 'prod');
    assert.ok(line['policyDigest'] && line['image'] && line['reason']);
  });

  it('refuses a tag under a digest-only policy (permanent item error), and says when a tag was resolved', async () => {
    const tagged = `${reg}/app:tagged`;
    const r = await ask([tagged]);
    assert.match(r.items?.[0]?.error ?? '', /requires an image pinned by digest/);
    assert.equal(r.systemError, undefined);
    const tags = provider('cairn-tags', `${gate.url}/verify/tags`, serverCA.cert);
    const t = await ask([tagged], tags);
    const value = valueOf(t.items, tagged)!;
    assert.equal(value.verified, true, JSON.stringify(t));
    assert.equal(value.pinned, false);
    assert.equal(value.tag, 'tagged');
    assert.equal(value.digest, images['tagged']);
  });

  it('never contacts a registry outside the config, and never reads a local directory', async () => {
    const r = await ask(['evil.example.com/app@sha256:' + 'a'.repeat(64), `oci:${dir}@sha256:${'b'.repeat(64)}`, 'not a reference!']);
    assert.equal(r.items?.length, 3);
    assert.match(r.items![0]!.error!, /registry evil\.example\.com is not one this gate may contact/);
    assert.match(r.items![1]!.error!, /only registry references/);
    assert.ok(r.items![2]!.error);
    assert.ok(r.items!.every((i) => i.value === undefined));
  });

  it('a registry that is down gives systemError and no item (nothing for Gatekeeper to cache), never a PASS', async () => {
    // a digest never verified (a verdict is about content: a digest verified elsewhere would be a cache hit)
    const key = `127.0.0.1:1/app@sha256:${'c'.repeat(64)}`;
    const ed = new ExternalData(gk);
    const rr = await ed.call(prod, [key]);
    assert.match(rr.system_error, /CAIRN_NETWORK_ERROR|CAIRN_REGISTRY_ERROR/, JSON.stringify(rr));
    assert.deepEqual(rr.responses, []);
    assert.deepEqual(rr.errors, []);
    assert.equal(ed.cache.size, 0);
    assert.ok(violations([key], rr).length > 0);
  });

  it('past the deadline answers CAIRN_DEADLINE without the item, and the retry is a cache hit', async () => {
    const key = `${proxy.host}/app@${images['slow']}`;
    proxy.plan({ rules: [{ path: new RegExp(`/manifests/${images['slow']}`), nth: [1], fault: { kind: 'stall' } }] });
    const t0 = Date.now();
    const first = await ask([key]);
    const took = Date.now() - t0;
    assert.match(first.systemError ?? '', /CAIRN_DEADLINE: 1 of 1 images still verifying/);
    assert.deepEqual(first.items ?? [], []);
    assert.ok(took < 3000, `answered after ${took} ms, past Gatekeeper's 3 s`);
    let value: Value | undefined;
    for (let i = 0; i < 40 && value?.cache !== 'hit'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      value = valueOf((await ask([key])).items, key);
    }
    assert.equal(value?.cache, 'hit', 'the background verification filled the cache');
    assert.equal(value?.verified, true);
    proxy.plan({});
  });

  it('counts the deadline of a connection\'s first request from the connection, its TLS handshake included', async () => {
    // Gatekeeper's 3 s run from its dial. A connection whose handshake starts 1 s after the TCP
    // accept (here the client waits; in a burst the gate's own handshake queue does) gets an
    // answer 0.5 s after its request, not 1.5 s: the deadline (1500 ms) counted from the accept.
    const key = `${proxy.host}/app@sha256:${'e'.repeat(64)}`;
    proxy.plan({ rules: [{ path: /\/manifests\/sha256:e{64}/, fault: { kind: 'stall' } }] });
    try {
      const url = new URL(gate.url);
      const raw = netConnect(Number(url.port), url.hostname);
      await new Promise<void>((resolve, reject) => raw.once('connect', resolve).once('error', reject));
      await new Promise((r) => setTimeout(r, 1000));
      const body = JSON.stringify({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys: [key] } });
      const t0 = Date.now();
      const answer = await new Promise<{ response: { systemError?: string; items?: unknown[] } }>((resolve, reject) => {
        const req = request(`${gate.url}/verify/prod`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          // no agent: the request goes over this connection (agent: false would make its own)
          createConnection: () => connect({ socket: raw, ca: readFileSync(serverCA.cert), cert: readFileSync(gk.cert), key: readFileSync(gk.key), minVersion: 'TLSv1.3', servername: 'localhost' }),
        }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        });
        req.on('error', reject);
        req.end(body);
      });
      const took = Date.now() - t0;
      assert.match(answer.response.systemError ?? '', /CAIRN_DEADLINE: 1 of 1 images still verifying/);
      assert.deepEqual(answer.response.items ?? [], []);
      // counted from the request it would be 1500 ms at least
      assert.ok(took < 1300, `answered ${took} ms after the request; the connection was accepted ${took + 1000} ms before`);
    } finally {
      proxy.plan({});
    }
  });

  it('a tag that moves is resolved again: the verdict follows the image it names now', async () => {
    const tags = provider('cairn-tags', `${gate.url}/verify/tags`, serverCA.cert);
    const store = await openStore(parseReference(`${reg}/app`));
    const moving = `${reg}/app:moving`;
    try {
      await store.tag(await store.resolve(images['good']!), 'moving');
      const first = valueOf((await ask([moving], tags)).items, moving);
      assert.deepEqual([first?.verified, first?.digest], [true, images['good']]);
      await store.tag(await store.resolve(images['bad']!), 'moving');
      const second = valueOf((await ask([moving], tags)).items, moving);
      assert.deepEqual([second?.verified, second?.digest, second?.pinned], [false, images['bad'], false]);
    } finally {
      await closeStore(store);
    }
  });

  it('a registry that answers only errors gives systemError, never a PASS', async () => {
    const key = `${proxy.host}/app@sha256:${'d'.repeat(64)}`;
    proxy.plan({ rate: 1, faults: [{ kind: 'status', status: 500 }] });
    try {
      const r = await ask([key]);
      assert.match(r.systemError ?? '', /CAIRN_REGISTRY_ERROR/);
      assert.deepEqual(r.items ?? [], []);
    } finally {
      proxy.plan({});
    }
  });

  it('refuses clients without Gatekeeper\'s certificate, with a foreign one, and TLS 1.2', async () => {
    const good = `${reg}/app@${images['good']}`;
    const none = await sendRequestToProvider(prod, [good]);
    assert.equal(none.response, undefined);
    assert.equal(none.status, 500);
    const stranger = await sendRequestToProvider(prod, [good], foreign);
    assert.equal(stranger.response, undefined);
    const tls12 = await new Promise<string>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: gate.port, maxVersion: 'TLSv1.2', ca: readFileSync(serverCA.cert), cert: readFileSync(gk.cert), key: readFileSync(gk.key) });
      s.on('secureConnect', () => { s.destroy(); resolve('connected'); });
      s.on('error', (e) => resolve(e.message));
    });
    assert.notEqual(tls12, 'connected');
  });

  it('caps the body, answers an unknown policy path with systemError, and serves health, readiness and metrics', async () => {
    const big = await raw('POST', '/verify/prod', Buffer.alloc(2 * 1024 * 1024, 0x20));
    assert.equal(big.status, 413);
    assert.match(JSON.parse(big.body).response.systemError, /CAIRN_TOO_LARGE/);
    const unknown = await ask([`${reg}/app@${images['good']}`], provider('x', `${gate.url}/verify/nope`, serverCA.cert));
    assert.match(unknown.systemError ?? '', /CAIRN_NOT_FOUND: no policy at \/verify\/nope/);
    assert.equal((await raw('GET', '/healthz')).status, 200);
    assert.equal((await raw('GET', '/readyz')).status, 200);
    const metrics = (await raw('GET', '/metrics')).body;
    assert.match(metrics, /cairn_gate_cache_hits_total\{policy="prod"\} [1-9]/);
    assert.match(metrics, /cairn_gate_verification_seconds_bucket/);
    assert.match(metrics, /cairn_gate_registry_errors_total\{registry="127.0.0.1:1"\} [1-9]/);
    assert.match(metrics, /cairn_gate_requests_total/);
  });

  it('reloads its certificate when the files change', async () => {
    const before = await peerSerial();
    const next = makeCert(dir, serverCA, 'server2', 'server');
    copyFileSync(next.key, join(dir, 'tls.key.new'));
    copyFileSync(next.cert, join(dir, 'tls.crt.new'));
    renameSync(join(dir, 'tls.key.new'), join(dir, 'tls.key'));
    renameSync(join(dir, 'tls.crt.new'), join(dir, 'tls.crt'));
    await gate.waitFor((r) => r['msg'] === 'tls reloaded', 10_000);
    const after = await peerSerial();
    assert.notEqual(after, before);
  });

  it('a second replica with an empty cache answers from the verification summary the first attached', async () => {
    const key = `${reg}/app@${images['vsa']}`;
    const cfg = join(dir, 'serve-a.json');
    writeFileSync(cfg, JSON.stringify({ ...config, tls: { ...(config['tls'] as object), clientCA: undefined } }));
    const a = await startServe(['--config', cfg, '--summary-key', join(dir, 'summary')]);
    let b: ServeProcess | undefined;
    let c: ServeProcess | undefined;
    try {
      await a.waitFor((r) => r['msg'] === 'policy ready' && r['policy'] === 'prod');
      const first = await sendRequestToProvider(provider('a', `${a.url}/verify/prod`, serverCA.cert), [key]);
      assert.equal(valueOf(first.response?.response.items, key)?.source, 'verified', JSON.stringify(first));
      await a.waitFor((r) => r['msg'] === 'summary attached' && r['image'] === key);
      // B trusts the summary key; C trusts another key
      const cfgB = join(dir, 'serve-b.json');
      writeFileSync(cfgB, JSON.stringify({ ...config, tls: { ...(config['tls'] as object), clientCA: undefined }, summaries: { trustedKeys: ['summary.pub'] } }));
      const cfgC = join(dir, 'serve-c.json');
      writeFileSync(cfgC, JSON.stringify({ ...config, tls: { ...(config['tls'] as object), clientCA: undefined }, summaries: { trustedKeys: ['other.pub'] } }));
      b = await startServe(['--config', cfgB]);
      c = await startServe(['--config', cfgC]);
      await b.waitFor((r) => r['msg'] === 'policy ready' && r['policy'] === 'prod');
      await c.waitFor((r) => r['msg'] === 'policy ready' && r['policy'] === 'prod');
      const fromB = await sendRequestToProvider(provider('b', `${b.url}/verify/prod`, serverCA.cert), [key]);
      const vb = valueOf(fromB.response?.response.items, key);
      assert.equal(vb?.verified, true);
      assert.equal(vb?.source, 'summary', 'answered from the VSA');
      const fromC = await sendRequestToProvider(provider('c', `${c.url}/verify/prod`, serverCA.cert), [key]);
      assert.equal(valueOf(fromC.response?.response.items, key)?.source, 'verified', 'a summary by an untrusted key does not count');
      // a summary only counts for its own image: the bad image gets no PASS from it
      const bad = `${reg}/app@${images['bad']}`;
      const badB = await sendRequestToProvider(provider('b', `${b.url}/verify/prod`, serverCA.cert), [bad]);
      assert.equal(valueOf(badB.response?.response.items, bad)?.verified, false);
    } finally {
      await a.stop();
      await b?.stop();
      await c?.stop();
    }
  });

  // `cairn verify IMAGE --summary-key` and the gate go through the same facade (src/api/verify.ts):
  // the CLI's summary used to lack the trust-anchor and policy-digest annotations, so no gate
  // ever answered from it.
  it('a gate answers from the verification summary `cairn verify IMAGE --summary-key` attached', async () => {
    const key = `${reg}/app@${images['clivsa']}`;
    const pushed = await ok(['verify', key, '--layout', layoutRef, '--layout-key', 'owner.pub', '--summary-key', 'summary', '--output', 'json']);
    assert.match(JSON.parse(pushed).summary ?? '', /^sha256:[0-9a-f]{64}$/);
    const cfgB = join(dir, 'serve-cli-vsa.json');
    writeFileSync(cfgB, JSON.stringify({ ...config, tls: { ...(config['tls'] as object), clientCA: undefined }, summaries: { trustedKeys: ['summary.pub'] } }));
    const b = await startServe(['--config', cfgB]);
    try {
      await b.waitFor((r) => r['msg'] === 'policy ready' && r['policy'] === 'prod');
      const fromB = await sendRequestToProvider(provider('b', `${b.url}/verify/prod`, serverCA.cert), [key]);
      const vb = valueOf(fromB.response?.response.items, key);
      assert.equal(vb?.verified, true, JSON.stringify(fromB));
      assert.equal(vb?.source, 'summary', 'answered from the summary the CLI attached');
    } finally {
      await b.stop();
    }
  });

  it('a trust-root rotation changes the cache key: the cached PASS is not used again', async () => {
    const key = `${reg}/app@${images['good']}`;
    await ok(['trust', 'init', '--key', 'owner', '--out', 'root.1.json']);
    const pin = `${reg}/trust@${await ok(['trust', 'push', 'root.1.json', `${reg}/trust`])}`;
    const cfg = join(dir, 'serve-root.json');
    writeFileSync(cfg, JSON.stringify({ ...config, tls: { ...(config['tls'] as object), clientCA: undefined }, trustRefreshSeconds: 1, policies: { rooted: { layout: layoutRef, trustRoot: pin } } }));
    const s = await startServe(['--config', cfg]);
    try {
      await s.waitFor((r) => r['msg'] === 'policy ready' && r['trustRootVersion'] === 1);
      const p = provider('rooted', `${s.url}/verify/rooted`, serverCA.cert);
      const askRooted = async () => valueOf((await sendRequestToProvider(p, [key])).response?.response.items, key);
      assert.equal((await askRooted())?.verified, true);
      const hit = await askRooted();
      assert.deepEqual([hit?.verified, hit?.cache], [true, 'hit']);
      // the owner hands the root over to another key: the layout (signed by the old owner) no longer counts
      await ok(['trust', 'rotate', '--root', pin, '--add-key', 'other.pub', '--remove-key', 'owner.pub', '--key', 'owner', '--key', 'other', '--trust-state', 'state.json', '--out', 'root.2.json']);
      await ok(['trust', 'push', 'root.2.json', `${reg}/trust`]);
      await s.waitFor((r) => r['msg'] === 'policy ready' && r['trustRootVersion'] === 2);
      const after = await askRooted();
      assert.equal(after?.cache, 'miss', 'a new trust anchor is a new cache key');
      assert.equal(after?.verified, false);
      assert.notEqual(after?.policyDigest, hit?.policyDigest);
    } finally {
      await s.stop();
    }
  });

  it('Kyverno\'s ValidatingPolicy from deploy/kubernetes, executed: admits the verified pod, denies the others with a message', async () => {
    // Kyverno presents no client certificate: a gate without clientCA, as docs/serve.md says
    const cfg = join(dir, 'serve-kyverno.json');
    writeFileSync(cfg, JSON.stringify({ ...config, tls: { cert: 'tls.crt', key: 'tls.key' } }));
    const k = await startServe(['--config', cfg]);
    try {
      await k.waitFor((r) => r['msg'] === 'policy ready' && r['policy'] === 'prod');
      const doc = parseAllDocuments(readFileSync(join(REPO_ROOT, 'deploy', 'kubernetes', 'kyverno', 'validating-policy.yaml'), 'utf8'))[0]!.toJS() as { spec: ValidatingPolicySpec };
      // the cluster's values: the CA bundle and the Service URL, replaced where the YAML says to
      const text = JSON.stringify(doc.spec);
      assert.match(text, /replace me/);
      assert.match(text, /https:\/\/cairn\.cairn-system\.svc:8443\/verify\/prod/);
      const spec = JSON.parse(text
        .replace(/-----BEGIN CERTIFICATE-----\\\\nreplace me\\\\n-----END CERTIFICATE-----\\\\n/, JSON.stringify(readFileSync(serverCA.cert, 'utf8')).slice(1, -1).replace(/\\/g, '\\\\'))
        .replace('https://cairn.cairn-system.svc:8443', k.url)) as ValidatingPolicySpec;
      assert.doesNotMatch(JSON.stringify(spec), /replace me/);
      const pod = (...images: string[]) => ({ apiVersion: 'v1', kind: 'Pod', spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) } });
      const good = `${reg}/app@${images['good']}`;
      const unsigned = `${reg}/app@${images['unsigned']}`;
      const admitted = await evaluateValidatingPolicy(spec, pod(good));
      assert.equal(admitted.allowed, true, JSON.stringify(admitted));
      const denied = await evaluateValidatingPolicy(spec, pod(good, unsigned));
      assert.equal(denied.allowed, false);
      assert.equal(denied.message, `cairn: not verified: ${unsigned}`);
      // an init container is checked too
      const init = await evaluateValidatingPolicy(spec, { spec: { containers: [{ name: 'a', image: good }], initContainers: [{ name: 'i', image: unsigned }] } });
      assert.equal(init.allowed, false);
      // a registry that is down: systemError, denied (never admitted on an error)
      const down = await evaluateValidatingPolicy(spec, pod(good, '127.0.0.1:1/app@sha256:' + '0'.repeat(64)));
      assert.equal(down.allowed, false);
      assert.match(down.message ?? '', /^cairn: CAIRN_/);
    } finally {
      await k.stop();
    }
  });

  it('stops gracefully on SIGTERM (exit 0)', async () => {
    const cfg = join(dir, 'serve-stop.json');
    writeFileSync(cfg, JSON.stringify(config));
    const s = await startServe(['--config', cfg]);
    assert.equal(await s.stop(), 0);
    assert.ok(s.logs.some((r) => r['msg'] === 'stopped'));
  });

  async function raw(method: string, path: string, body?: Buffer): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: gate.port, path, method, ca: readFileSync(serverCA.cert), cert: readFileSync(gk.cert), key: readFileSync(gk.key), agent: false, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  function peerSerial(): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: gate.port, ca: readFileSync(serverCA.cert), cert: readFileSync(gk.cert), key: readFileSync(gk.key), servername: 'localhost' }, () => {
        const serial = s.getPeerCertificate().serialNumber;
        s.destroy();
        resolve(serial);
      });
      s.on('error', reject);
    });
  }
});
