import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkLayout, checkLayoutAttributes, signLayout } from '../../../src/author/index.js';
import { generateKey, keyDict } from '../../../src/crypto/index.js';
import { readAttributeRule } from '../../../src/attributes/index.js';
import { isCairnError } from '../../../src/errors.js';

// `cairn layout check` on attribute rules: typos against the predicate's schema, variables the
// evidence will not have, non-bool rules and bad RE2 patterns are errors (so `layout sign`
// refuses them); the rule's own shape follows docs/policy.md.

const layout = (steps: Record<string, unknown>[], inspect: Record<string, unknown>[] = []) => ({ _type: 'layout', expires: '2099-01-01T00:00:00Z', keys: {}, steps: steps.map((s) => ({ _type: 'step', name: 'x', ...s })), inspect });
const lines = async (body: unknown) => (await checkLayoutAttributes(body)).map((p) => `${p.severity} ${p.path}: ${p.message}`);

describe('layout check: attribute rules', () => {
  it('finds a misspelt field of a known predicate, and a rule that is not a bool', async () => {
    const out = await lines(layout([{ expected_predicate_type: 'https://slsa.dev/provenance/v1', expected_attributes: [
      "predicate.runDetails.bulder.id == 'x'", 'predicate.runDetails.builder.id', "predicate.buildDefinition.externalParameters.anything == 'ok'",
    ] }]));
    assert.deepEqual(out, [
      'error steps[0].expected_attributes[0]: CEL: No such key: bulder',
      'error steps[0].expected_attributes[1]: the rule gives a string, not a bool',
    ]);
  });

  it('finds a misspelt field inside has(), which would make `!has(x.typo) || ...` always hold', async () => {
    const out = await lines(layout([{ expected_predicate_type: 'https://spdx.dev/Document/v2.3', expected_attributes: [
      "predicate.packages.all(p, !has(p.licenceConcluded) || p.licenceConcluded != 'GPL-3.0-only')",
      "predicate.packages.all(p, !has(p.licenseConcluded) || p.licenseConcluded != 'GPL-3.0-only')",
      'has(predicate.creationInfo.created) && has(predicate.creationInfo.creatd)',
    ] }]));
    assert.equal(out.length, 2, out.join('\n'));
    assert.match(out[0]!, /^error steps\[0\]\.expected_attributes\[0\]: CEL: .*licenceConcluded/);
    assert.match(out[1]!, /^error steps\[0\]\.expected_attributes\[2\]: CEL: in has\(\): No such key: creatd/);
  });

  it('knows each schema (SPDX, CycloneDX, vulns, test-result)', async () => {
    const cases: [string, string, string][] = [
      ['https://spdx.dev/Document/v2.3', 'predicate.packages.all(p, p.licenseConcluded != "GPL-3.0-only")', 'predicate.packages.all(p, p.licenceConcluded != "x")'],
      ['https://cyclonedx.org/bom/v1.5', 'predicate.components.all(c, c.purl.startsWith("pkg:"))', 'predicate.component.size() == 0'],
      ['https://in-toto.io/attestation/vulns/v0.1', 'predicate.scanner.result.all(v, v.severity.all(s, s.score != "critical"))', 'predicate.scanner.results.size() == 0'],
      ['https://in-toto.io/attestation/test-result/v0.1', "predicate.result == 'PASSED'", "predicate.results == 'PASSED'"],
    ];
    for (const [type, good, bad] of cases) {
      assert.deepEqual(await lines(layout([{ expected_predicate_type: type, expected_attributes: [good] }])), [], type);
      assert.match((await lines(layout([{ expected_predicate_type: type, expected_attributes: [bad] }])))[0] ?? 'none', /^error .*No such key/, type);
    }
  });

  it('checks a step without a predicate type, and inspections, as links', async () => {
    const out = await lines(layout([{ expected_attributes: ["command == ['make']", "predicate.materials.all(m, has(m.digest))", 'predicate.result == "x"'] }], [{ _type: 'inspection', name: 'i', run: ['x'], expected_attributes: ['size(products) > 0', 'subject.size() > 0 && now > timestamp("2020-01-01T00:00:00Z")'] }]));
    assert.deepEqual(out, ['error steps[0].expected_attributes[2]: CEL: No such key: result']);
    assert.match((await lines(layout([{ expected_predicate_type: 'https://slsa.dev/provenance/v1', expected_attributes: ["command == []"] }])))[0]!, /Unknown variable: command/);
  });

  it('compares types: a string field with a number is an error', async () => {
    assert.match((await lines(layout([{ expected_attributes: ['name == 1'] }])))[0]!, /error .*no such overload: string == int/);
  });

  it('checks RE2 patterns, and only warns for a predicate it has no schema for', async () => {
    assert.match((await lines(layout([{ expected_attributes: ["name.matches('(?<=a)b')"] }])))[0]!, /invalid RE2 regular expression/);
    assert.deepEqual(await lines(layout([{ expected_predicate_type: 'https://example.com/custom/v1', expected_attributes: ['predicate.anything == "x"'] }])), [
      'warning steps[0].expected_attributes: no schema is known for predicate https://example.com/custom/v1: field names are not checked',
    ]);
  });

  it('reads the entry forms of docs/policy.md and refuses the rest', () => {
    assert.deepEqual(readAttributeRule('a == 1', 'w'), { rule: 'a == 1' });
    assert.deepEqual(readAttributeRule({ rule: 'a', message: 'm' }, 'w'), { rule: 'a', message: 'm' });
    assert.deepEqual(readAttributeRule({ rule: 'a', debug: 'm' }, 'w'), { rule: 'a', message: 'm' });
    for (const [bad, re] of [[{ rule: 'a', warn: true }, /"warn" is not supported/], [{ rule: 'a', allowIfNoClaim: true }, /"allowIfNoClaim"/], [{ rule: 'a', x: 1 }, /unknown field "x"/], [7, /a CEL expression/], ['  ', /empty/], ['a'.repeat(5000), /more than 4096/]] as const) {
      assert.throws(() => readAttributeRule(bad, 'steps[0].expected_attributes[0]'), (err: unknown) => isCairnError(err, 'SCHEMA_INVALID') && re.test(err.message) && err.message.startsWith('steps[0].expected_attributes[0]: '));
    }
  });

  it('makes layout check warn about the extension, and layout sign refuse a rule with an error', async () => {
    const dev = generateKey('ed25519').publicKey;
    const withKey = (rules: string[]) => ({ ...layout([{ pubkeys: [dev.keyId], expected_attributes: rules }]), keys: { [dev.keyId]: keyDict(dev) } });
    const body = withKey(["command == ['make']"]);
    assert.ok(checkLayout(body).some((p) => p.severity === 'warning' && p.path === 'steps[0].expected_attributes'));
    assert.deepEqual(checkLayout(body).filter((p) => p.severity === 'error'), []);
    await signLayout(body, [generateKey('ed25519')]);
    await assert.rejects(signLayout(withKey(['comand == []']), [generateKey('ed25519')]), /Unknown variable: comand/);
  });
});
