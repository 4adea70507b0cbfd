// Moved from test/unit/policy/verify.test.ts (issue 14: policy/ split into verify/, image-verify/, author/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verifyLayout, failureLine, type VerificationReport } from '../../../src/verify/index.js';
import { CairnError } from '../../../src/errors.js';
import { LINK_PREDICATE_V03, SLSA_PROVENANCE_V1 } from '../../../src/intoto/index.js';
import { assertCairnError } from '../../helpers/assert.js';
import { arts, CannedInspections, key, layoutBody, link, MemoryEvidence, signLayoutBody, statement } from './fixtures.js';

const owner = key('owner');
const bob = key('bob');
const carl = key('carl');
const eve = key('eve');
const src = arts({ 'src/a.py': 'a', 'src/b.py': 'b' });
const tar = arts({ 'app.tar': 'tar' });

// write (bob) creates src/*; package (carl) takes src/* and creates app.tar.
function chain(extra: { threshold?: number; packageKeys?: typeof carl[] } = {}) {
  return layoutBody([
    { name: 'write', keys: [bob.publicKey], threshold: extra.threshold, products: [['CREATE', 'src/*'], ['DISALLOW', '*']] },
    {
      name: 'package', keys: (extra.packageKeys ?? [carl]).map((k) => k.publicKey), command: ['tar', 'cf', 'app.tar', 'src'],
      materials: [['MATCH', 'src/*', 'WITH', 'PRODUCTS', 'FROM', 'write'], ['DISALLOW', '*']],
      products: [['CREATE', 'app.tar'], ['DISALLOW', '*']],
    },
  ]);
}

async function goodEvidence(format: 'legacy' | 'dsse' = 'legacy') {
  return new MemoryEvidence()
    .add('write', await link('write', bob, {}, src, format))
    .add('package', await link('package', carl, src, tar, format, ['tar', 'cf', 'app.tar', 'src']));
}

async function run(body: Record<string, unknown>, evidence: MemoryEvidence, opts: Partial<Parameters<typeof verifyLayout>[0]> = {}): Promise<VerificationReport> {
  return verifyLayout({ layout: await signLayoutBody(body, [owner]), layoutKeys: [owner.publicKey], evidence, ...opts });
}

describe('verifyLayout', () => {
  for (const format of ['legacy', 'dsse'] as const) {
    it(`passes a well-formed chain (${format} layout and links) and lists every check`, async () => {
      const r = await verifyLayout({ layout: await signLayoutBody(chain(), [owner], format), layoutKeys: [owner.publicKey], evidence: await goodEvidence(format) });
      assert.equal(r.verdict, 'pass', failureLine(r));
      assert.deepEqual(r.checks.map((c) => `${c.check}:${c.item ?? ''}:${c.verdict}`), [
        'layout-signatures::pass', 'layout-expiry::pass', 'step-evidence:write:pass', 'step-evidence:package:pass',
        'step-rules:write:pass', 'step-rules:write:pass', 'step-rules:package:pass', 'step-rules:package:pass',
      ]);
      assert.deepEqual(Object.keys(r.summary!.products), ['app.tar']);
      assert.deepEqual(Object.keys(r.summary!.materials), []);
    });
  }

  it('fails when a given layout key did not sign, and stops there', async () => {
    const r = await verifyLayout({ layout: await signLayoutBody(chain(), [owner]), layoutKeys: [owner.publicKey, bob.publicKey], evidence: await goodEvidence() });
    assert.equal(r.verdict, 'fail');
    assert.equal(r.failure?.check, 'layout-signatures');
    assert.match(failureLine(r)!, new RegExp(`no valid signature by layout key ${bob.publicKey.keyId.slice(0, 8)}`));
    assert.equal(r.checks.length, 1);
  });

  it('fails an expired layout (judged at `now`)', async () => {
    const body = { ...chain(), expires: '2020-01-01T00:00:00Z' };
    const r = await run(body, await goodEvidence());
    assert.equal(r.failure?.check, 'layout-expiry');
    const ok = await run(body, await goodEvidence(), { now: new Date('2019-12-31T23:59:59Z') });
    assert.equal(ok.verdict, 'pass');
  });

  it('fails a rule violation and names step, rule and artifact', async () => {
    const ev = new MemoryEvidence()
      .add('write', await link('write', bob, {}, src))
      .add('package', await link('package', carl, { ...src, 'evil.sh': { sha256: '00' } }, tar));
    const r = await run(chain(), ev);
    assert.equal(r.verdict, 'fail');
    assert.equal(failureLine(r), 'package: DISALLOW * rejected evil.sh (materials)');
    const f = r.failure;
    assert.ok(f?.check === 'step-rules');
    assert.deepEqual([f.code, f.rule, f.artifacts], ['RULE_VIOLATION', 'DISALLOW *', ['evil.sh']]);
  });

  it('does not count links signed by keys the step does not authorise', async () => {
    const ev = new MemoryEvidence().add('write', await link('write', bob, {}, src)).add('package', await link('package', eve, src, tar));
    const r = await run(chain(), ev);
    assert.equal(r.failure?.check, 'step-evidence');
    assert.equal(r.failure?.item, 'package');
    assert.match(r.failure!.message, /needs 1 authorised functionary, found 0 .*no valid signature by a key authorised/);
  });

  it('counts distinct signers for a threshold, however many links one key signed', async () => {
    const body = chain({ packageKeys: [carl, bob] });
    (body['steps'] as { threshold: number }[])[1]!.threshold = 2;
    const twice = new MemoryEvidence()
      .add('write', await link('write', bob, {}, src))
      .add('package', await link('package', carl, src, tar))
      .add('package', await link('package', carl, src, tar, 'dsse'));
    const r = await run(body, twice);
    assert.equal(r.failure?.check, 'step-evidence');
    assert.match(r.failure!.message, /needs 2 authorised functionaries, found 1/);
    const both = (await goodEvidence()).add('package', await link('package', bob, src, tar));
    assert.equal((await run(body, both)).verdict, 'pass');
  });

  it('fails when the links counted for a step disagree, even at threshold 1', async () => {
    const ev = (await goodEvidence()).add('package', await link('package', bob, src, arts({ 'other.tar': 'x' })));
    const r = await run(chain({ packageKeys: [carl, bob] }), ev);
    assert.equal(r.failure?.check, 'step-agreement');
    assert.match(r.failure!.message, /record different products/);
  });

  it('ignores a link recorded for another step', async () => {
    const ev = new MemoryEvidence().add('write', await link('write', bob, {}, src)).add('package', await link('pack', carl, src, tar));
    const r = await run(chain(), ev);
    assert.equal(r.failure?.check, 'step-evidence');
    assert.match(r.failure!.message, /a link for step "pack"/);
  });

  it('fails a step whose evidence cannot be read', async () => {
    const ev = (await goodEvidence()).addError('package', new CairnError('SCHEMA_INVALID', 'not valid JSON'));
    const r = await run(chain(), ev);
    assert.equal(r.failure?.item, 'package');
    assert.match(r.failure!.message, /unreadable: not valid JSON/);
  });

  it('warns, and only warns, when a command differs from expected_command', async () => {
    const ev = new MemoryEvidence().add('write', await link('write', bob, {}, src)).add('package', await link('package', carl, src, tar, 'legacy', ['make']));
    const r = await run(chain(), ev);
    assert.equal(r.verdict, 'pass');
    const warn = r.checks.find((c) => c.verdict === 'warn');
    assert.equal(warn?.check, 'command-alignment');
    assert.match(warn!.message, /ran "make", the layout expects "tar cf app.tar src"/);
  });

  it('substitutes parameters in rules and commands only when given', async () => {
    const body = layoutBody([{ name: 'write', keys: [bob.publicKey], command: ['build', '{version}'], products: [['CREATE', 'src/{file}'], ['DISALLOW', '*']] }]);
    const ev = new MemoryEvidence().add('write', await link('write', bob, {}, arts({ 'src/a.py': 'a' }), 'legacy', ['build', '1.0']));
    const r = await run(body, ev, { parameters: { file: 'a.py', version: '1.0' } });
    assert.equal(r.verdict, 'pass', failureLine(r));
    assert.ok(!r.checks.some((c) => c.verdict === 'warn'));
    const literal = await run(body, ev);
    assert.equal(failureLine(literal), 'write: DISALLOW * rejected src/a.py (products)');
    await assertCairnError(() => run(body, ev, { parameters: { file: 'a.py' } }), 'INVALID_ARGUMENT', /parameter \{version\} is used but not given/);
  });

  it('accepts Statements of the step\'s expected_predicate_type, and only those', async () => {
    const body = layoutBody([{ name: 'build', keys: [bob.publicKey], products: [['CREATE', 'app'], ['DISALLOW', '*']], extra: { expected_predicate_type: SLSA_PROVENANCE_V1 } }]);
    const prov = await statement(SLSA_PROVENANCE_V1, arts({ app: 'bin' }), bob, { buildDefinition: { resolvedDependencies: [] } });
    assert.equal((await run(body, new MemoryEvidence().add('build', prov))).verdict, 'pass');
    const r = await run(body, new MemoryEvidence().add('build', await link('build', bob, {}, arts({ app: 'bin' }))));
    assert.match(r.failure!.message, /but the step expects https:\/\/slsa.dev\/provenance\/v1/);
    const plain = layoutBody([{ name: 'build', keys: [bob.publicKey] }]);
    const other = await run(plain, new MemoryEvidence().add('build', await statement(LINK_PREDICATE_V03.replace('link', 'other'), {}, bob)));
    assert.match(other.failure!.message, /the step has no expected_predicate_type/);
  });

  it('runs inspections after the step rules and checks their rules against steps', async () => {
    const body = layoutBody(
      [{ name: 'write', keys: [bob.publicKey], products: [['ALLOW', '*']] }],
      [{ name: 'unpack', run: ['unpack'], expected_products: [['MATCH', 'src/*', 'WITH', 'PRODUCTS', 'FROM', 'write'], ['DISALLOW', 'src/*']] }],
    );
    const ev = new MemoryEvidence().add('write', await link('write', bob, {}, src));
    const good = new CannedInspections({ unpack: { materials: {}, products: src, returnValue: 0, stderr: '' } });
    const r = await run(body, ev, { inspections: good });
    assert.equal(r.verdict, 'pass', failureLine(r));
    assert.deepEqual(good.ran, ['unpack']);
    const tampered = new CannedInspections({ unpack: { materials: {}, products: { ...src, 'src/a.py': { sha256: 'ff' } }, returnValue: 0, stderr: '' } });
    assert.equal(failureLine(await run(body, ev, { inspections: tampered })), 'unpack: DISALLOW src/* rejected src/a.py (products)');
    const broken = new CannedInspections({ unpack: { materials: {}, products: {}, returnValue: 2, stderr: 'tar: bad\n' } });
    assert.equal(failureLine(await run(body, ev, { inspections: broken })), 'unpack: command "unpack" exited with 2: tar: bad');
    assert.match(failureLine(await run(body, ev))!, /no inspection runner was given/);
  });

  it('never runs inspections after a failed check', async () => {
    const body = layoutBody([{ name: 'write', keys: [bob.publicKey], products: [['DISALLOW', '*']] }], [{ name: 'x', run: ['x'] }]);
    const runner = new CannedInspections({});
    const r = await run(body, new MemoryEvidence().add('write', await link('write', bob, {}, src)), { inspections: runner });
    assert.equal(r.verdict, 'fail');
    assert.deepEqual(runner.ran, []);
  });

  it('verifies a sublayout with its functionary\'s key and uses its summary link', async () => {
    const sub = layoutBody([
      { name: 'write', keys: [bob.publicKey], products: [['CREATE', 'src/*']] },
      { name: 'package', keys: [carl.publicKey], materials: [['MATCH', 'src/*', 'WITH', 'PRODUCTS', 'FROM', 'write']], products: [['CREATE', 'app.tar'], ['DISALLOW', '*']] },
    ]);
    const sup = layoutBody(
      [{ name: 'delegated', keys: [eve.publicKey], products: [['CREATE', 'app.tar'], ['DISALLOW', '*']] }],
      [],
    );
    const ev = new MemoryEvidence().add('delegated', await signLayoutBody(sub, [eve]));
    const inner = ev.sub('delegated', eve.publicKey.keyId);
    inner.add('write', await link('write', bob, {}, src)).add('package', await link('package', carl, src, tar));
    const r = await run(sup, ev);
    assert.equal(r.verdict, 'pass', failureLine(r));
    const check = r.checks.find((c) => c.check === 'sublayout');
    assert.equal(check?.sublayout?.verdict, 'pass');
    inner.items.delete('package');
    const bad = await run(sup, ev);
    assert.equal(bad.failure?.check, 'sublayout');
    assert.match(failureLine(bad)!, /^delegated: sublayout delegated.0 failed: package: needs 1 authorised functionary/);
  });

  it('refuses a layout whose keyid does not match its key', async () => {
    const body = chain();
    const keys = body['keys'] as Record<string, unknown>;
    keys['ab'.repeat(32)] = keys[bob.publicKey.keyId];
    await assertCairnError(() => run(body, new MemoryEvidence()), 'KEY_INVALID', /keyid does not match/);
    await assertCairnError(() => verifyLayout({ layout: { format: 'legacy', metablock: { signed: chain(), signatures: [] } }, layoutKeys: [], evidence: new MemoryEvidence() }), 'INVALID_ARGUMENT');
  });
});
