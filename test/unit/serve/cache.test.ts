import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VerdictCache, SingleFlight, Limiter, parseProviderRequest, providerResponse } from '../../../src/serve/index.js';
import { JsonText } from '../../../src/serve/protocol.js';
import { gateMetrics } from '../../../src/serve/metrics.js';
import type { GateVerdict } from '../../../src/gate/index.js';

// The gate's cache, single flight, limiter and request parsing, on an injected clock.

function verdict(v: 'pass' | 'fail', expires?: Date): GateVerdict {
  return { verdict: v, image: 'r/a@sha256:x', subject: 'sha256:x', pinned: true, policy: 'p', policyDigest: 'sha256:p', layout: 'sha256:l', trustAnchor: 'sha256:t', source: 'verified', inputAttestations: [], checkedAt: new Date(0), ...(expires ? { expires } : {}) };
}

describe('verdict cache', () => {
  it('keeps PASS for passTtl and FAIL for failTtl, and never past the earliest expiry', () => {
    let now = 1_000_000;
    const c = new VerdictCache({ maxEntries: 10, passTtlMs: 600_000, failTtlMs: 30_000 }, () => now);
    c.put('pass', verdict('pass'));
    c.put('fail', verdict('fail'));
    c.put('expiring', verdict('pass', new Date(now + 5_000)));
    c.put('expired', verdict('pass', new Date(now - 1)));
    assert.equal(c.get('expired'), undefined);
    now += 6_000;
    assert.equal(c.get('expiring'), undefined, 'not past the layout/trust-root expiry');
    assert.equal(c.get('fail')?.verdict, 'fail');
    now += 30_000;
    assert.equal(c.get('fail'), undefined);
    assert.equal(c.get('pass')?.verdict, 'pass');
    now += 600_000;
    assert.equal(c.get('pass'), undefined);
  });

  it('is bounded: the least recently used entry goes first', () => {
    const c = new VerdictCache({ maxEntries: 2, passTtlMs: 1e6, failTtlMs: 1e6 }, () => 0);
    c.put('a', verdict('pass'));
    c.put('b', verdict('pass'));
    c.get('a');
    c.put('c', verdict('pass'));
    assert.equal(c.size, 2);
    assert.ok(c.get('a') && c.get('c'));
    assert.equal(c.get('b'), undefined);
  });

  it('keys by policy digest: a changed layout pin or trust root misses', () => {
    assert.notEqual(VerdictCache.key('sha256:img', 'sha256:policy1'), VerdictCache.key('sha256:img', 'sha256:policy2'));
  });
});

describe('single flight and limiter', () => {
  it('runs one job for concurrent asks of the same key', async () => {
    const f = new SingleFlight<number>();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const job = async () => { runs++; await gate; return 7; };
    const all = Promise.all([f.run('k', job), f.run('k', job), f.run('k', job)]);
    release();
    assert.deepEqual(await all, [7, 7, 7]);
    assert.equal(runs, 1);
  });

  it('never runs more than its limit at once, and refuses work beyond the queue', async () => {
    const queue = { size: 0, max: 3 };
    const l = new Limiter(2, queue);
    let active = 0;
    let peak = 0;
    const releases: Array<() => void> = [];
    const job = () => l.run(async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise<void>((r) => releases.push(r));
      active--;
    });
    const jobs = [job(), job(), job(), job(), job()];
    await assert.rejects(job(), /busy/);
    while (releases.length) {
      releases.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(jobs);
    assert.equal(peak, 2);
  });
});

describe('ProviderRequest parsing', () => {
  const req = (o: unknown) => Buffer.from(JSON.stringify(o));
  it('reads keys as Gatekeeper sends them, deduplicated, and an empty request', () => {
    assert.deepEqual(parseProviderRequest(req({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys: ['a', 'b', 'a'] } }), 10), { keys: ['a', 'b'] });
    assert.deepEqual(parseProviderRequest(req({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: {} }), 10), { keys: [] });
  });
  it('refuses what is not a ProviderRequest, too many keys, and keys that are not strings', () => {
    for (const bad of [Buffer.from('{'), req([]), req({ kind: 'ProviderResponse' }), req({ request: { keys: 'a' } }), req({ request: { keys: [1] } }), req({ request: { keys: ['a', 'b', 'c'] } }), req({ request: { keys: ['x'.repeat(2000)] } })]) {
      assert.ok('problem' in parseProviderRequest(bad, 2), bad.toString().slice(0, 50));
    }
  });
  it('answers in ProviderResponse form, with systemError only when there is one', () => {
    assert.deepEqual(JSON.parse(providerResponse([{ key: 'k', value: { verified: true } }])), { apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderResponse', response: { idempotent: false, items: [{ key: 'k', value: { verified: true } }] } });
    assert.equal(JSON.parse(providerResponse([], 'x')).response.systemError, 'x');
  });
  it('writes a value serialized once (a cached verdict) as the same bytes JSON.stringify writes', () => {
    const value = { verified: true, image: 'r/a@sha256:x', reason: 'quote " and \\ and \u2028' };
    const items = [{ key: 'k"1', value }, { key: 'k2', error: 'no' }, { key: 'k3', value: { verified: false } }];
    const once = items.map((i) => ('value' in i ? { ...i, value: new JsonText(JSON.stringify(i.value)) } : i));
    for (const system of [undefined, 'CAIRN_DEADLINE: "1" of 2']) {
      const expected = JSON.stringify({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderResponse', response: { idempotent: false, items, ...(system ? { systemError: system } : {}) } });
      assert.equal(providerResponse(once, system), expected);
      assert.equal(providerResponse(items, system), expected);
    }
  });
});

describe('gate metrics', () => {
  it('counts hot counters between scrapes, once each', async () => {
    const m = gateMetrics();
    const count = async () => Number(/cairn_gate_cache_hits_total\{policy="prod"\} (\d+)/.exec(await m.registry.metrics())?.[1] ?? 0);
    for (let i = 0; i < 3; i++) m.cacheHits.inc({ policy: 'prod' });
    m.cacheHits.inc({ policy: 'staging' });
    assert.equal(await count(), 3);
    assert.equal(await count(), 3, 'a second scrape adds nothing');
    m.cacheHits.inc({ policy: 'prod' });
    m.cacheHits.inc({ policy: 'prod' });
    assert.equal(await count(), 5);
    assert.match(await m.registry.metrics(), /cairn_gate_cache_hits_total\{policy="staging"\} 1\b/);
    m.verdicts.inc({ policy: 'prod', verdict: 'pass', source: 'cache' });
    m.verdicts.inc({ policy: 'prod', verdict: 'fail', source: 'cache' });
    const text = await m.registry.metrics();
    assert.match(text, /cairn_gate_verdicts_total\{policy="prod",verdict="pass",source="cache"\} 1\b/);
    assert.match(text, /cairn_gate_verdicts_total\{policy="prod",verdict="fail",source="cache"\} 1\b/);
  });
});
