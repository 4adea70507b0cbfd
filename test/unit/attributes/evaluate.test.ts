import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ATTESTATIONS, CTX, failureOf, readJson, statementEvidence } from './fixtures.js';
import type { AttributeEvidence } from '../../../src/attributes/index.js';

// How rules are judged: exactly `true` passes; false, non-bool values and evaluation errors
// fail with a message naming rule, evidence and value; links and Statements expose the names
// docs/policy.md lists; `matches` is RE2. And the ITE-11 prototype's own layout and test data
// (in-toto/attestation-verifier, testdata/attestations/attestation-verifier/) give its verdicts.

const link = (over: Partial<Extract<AttributeEvidence, { kind: 'link' }>> = {}): AttributeEvidence => ({
  kind: 'link', origin: 'build.1234abcd.link', name: 'build', command: ['make', 'all'],
  materials: new Map([['src/a.c', 'aa'.repeat(32)]]), products: new Map([['bin/app', { sha256: 'bb'.repeat(32), sha512: 'cc'.repeat(64) }]]),
  byproducts: { 'return-value': 0, stderr: '' }, environment: { CI: 'true' }, ...over,
});

describe('attribute rules: verdicts', () => {
  it('passes only on exactly true', async () => {
    assert.equal(await failureOf(['true', "name == 'build'"], [link()]), undefined);
    assert.match((await failureOf(['false'], [link()]))!, /rule "false" failed on build\.1234abcd\.link: false$/);
  });

  it('fails a rule that gives a value other than a bool (the prototype lets it pass)', async () => {
    assert.match((await failureOf(['name'], [link()]))!, /evaluated to "build", not a bool/);
    assert.match((await failureOf(['byproducts.stderr'], [link()]))!, /evaluated to "", not a bool/);
    assert.match((await failureOf(['null'], [link()]))!, /evaluated to null, not a bool/);
  });

  it('fails on an evaluation error: a missing field, a variable the evidence lacks, a type mismatch', async () => {
    assert.match((await failureOf(["environment.HOME == '/root'"], [link()]))!, /error: No such key: HOME/);
    assert.match((await failureOf(["predicate.nope == 1"], [statementEvidence(readJson('test-result.statement.json'))]))!, /No such key: nope/);
    assert.match((await failureOf(["command == []"], [statementEvidence(readJson('test-result.statement.json'))]))!, /Unknown variable: command/);
    assert.match((await failureOf(["byproducts['return-value'] + 1 == 1"], [link()]))!, /error: no such overload/);
  });

  it('checks every piece of evidence, and names the one that fails', async () => {
    const msg = await failureOf(["command == ['make', 'all']"], [link(), link({ origin: 'build.5678efgh.link', command: ['make', 'evil'] })]);
    assert.match(msg!, /failed on build\.5678efgh\.link: false, where command is \["make","evil"\]/);
  });

  it('shows the rule\'s message and the false part of an &&', async () => {
    const msg = await failureOf([{ rule: "name == 'build' && command[0] == 'cmake'", message: 'built with cmake' }], [link()]);
    assert.match(msg!, /^built with cmake \(rule "name == 'build' && command\[0\] == 'cmake'"\) failed on .*: false, where command\[0\] is "make"$/);
  });

  it('gives a link the link v0.3 Statement view as well', async () => {
    const rules = [
      "predicateType == 'https://in-toto.io/attestation/link/v0.3'",
      "predicate.command == command && predicate.name == 'build'",
      "subject.exists(s, s.name == 'bin/app' && s.digest.sha512 == '" + 'cc'.repeat(64) + "')",
      "predicate.materials.all(m, m.digest.sha256 == materials[m.name].sha256)",
      "products['bin/app'].sha256.startsWith('bb')",
      "environment.CI == 'true'",
    ];
    assert.equal(await failureOf(rules, [link()]), undefined);
  });

  it('binds the context: image, parameters, now', async () => {
    const ctx = { image: { digest: 'sha256:' + 'dd'.repeat(32), platform: 'linux/arm64' }, parameters: { version: '1.2.3' }, now: new Date('2030-01-01T00:00:00Z') };
    const rules = ["image.platform == 'linux/arm64'", "image.digest.startsWith('sha256:dd')", "parameters.version == '1.2.3'", "now > timestamp('2029-12-31T00:00:00Z')", "!has(image.index)"];
    assert.equal(await failureOf(rules, [link()], ctx), undefined);
    assert.match((await failureOf(['image.digest == "x"'], [link()]))!, /No such key: digest/);
  });

  it('does not substitute parameters into the rule text (they are values)', async () => {
    const ctx = { ...CTX, parameters: { version: "' || true || '" } };
    assert.match((await failureOf(["name == parameters.version"], [link()], ctx))!, /false/);
    assert.match((await failureOf(["name == '{version}'"], [link()], ctx))!, /false/);
  });

  it('matches with RE2: inline flags and POSIX classes work, backreferences do not', async () => {
    const e = link({ name: 'Build-42' });
    assert.equal(await failureOf(["name.matches('(?i)^build-[[:digit:]]+$')", "matches(name, '^B')", "!name.matches('^b')"], [e]), undefined);
    // every call is RE2, also one inside the arguments of another
    assert.equal(await failureOf(["matches(name.matches('(?i)^BUILD') ? name : 'z', '^B')"], [e]), undefined);
    assert.match((await failureOf(["name.matches('(B)\\\\1')"], [e]))!, /invalid RE2 regular expression/);
    assert.match((await failureOf(["name.matches(parameters.re)"], [e], { ...CTX, parameters: { re: '(?<!x)B' } }))!, /invalid RE2/);
  });

  it('keeps doubles exact when a rule with matches is rewritten', async () => {
    const e = link({ byproducts: { 'return-value': 0, ratio: 1e-12 } });
    assert.equal(await failureOf(["name.matches('^b') && byproducts.ratio < 0.000000000002 && byproducts.ratio > 0.0"], [e]), undefined);
  });
});

describe('attribute rules: the ITE-11 prototype\'s layout and test data', () => {
  // layouts/layout.yml of in-toto/attestation-verifier: its rules, per step, over its data.
  const proto = readFileSync(join(ATTESTATIONS, 'attestation-verifier', 'layout.yml'), 'utf8');
  const rulesOf = (step: string) => {
    const block = proto.split(/\n  - name: /).find((b) => b.startsWith(`"${step}"`))!;
    return [...block.matchAll(/- rule: "(.*)"\n/g)].map((m) => m[1]!);
  };
  const evidenceOf = (file: string) => {
    const st = readJson(join('attestation-verifier', file));
    return statementEvidence({ ...st, predicateType: st['predicateType'] }, file);
  };

  it('reads the rules of its three steps', () => {
    assert.deepEqual([rulesOf('clone').length, rulesOf('test').length, rulesOf('build').length], [1, 3, 2]);
  });

  for (const [step, file] of [['clone', 'clone.json'], ['test', 'test.json'], ['build', 'build.json']] as const) {
    it(`passes step ${step} as the prototype does`, async () => {
      assert.equal(await failureOf(rulesOf(step), [evidenceOf(file)]), undefined);
    });
  }

  it('fails the test step when the run failed, as the prototype does', async () => {
    const st = readJson(join('attestation-verifier', 'test.json')) as any;
    st.predicate.result = 'FAILED';
    st.predicate.failedTests = ['test2'];
    assert.match((await failureOf(rulesOf('test'), [statementEvidence(st, 'test.json')]))!, /size\(predicate\.failedTests\) is 1/);
  });
});
