import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadAttributeEngine, readAttributeRules, type AttributeEvidence } from '../../../src/attributes/index.js';
import { isCairnError } from '../../../src/errors.js';
import { CTX, failureOf } from './fixtures.js';

// A layout is trusted for what it says, not for how much work it asks of a verifier: rules
// that nest deeply, spell out huge lists, multiply comprehensions or backtrack stay within
// their bounds (docs/policy.md, "Bounds"), and end as a failed verification, not a hang.

const big = (n: number): AttributeEvidence => ({
  kind: 'link', origin: 'big.link', name: 'big', command: [], materials: new Map(),
  products: new Map(Array.from({ length: n }, (_, i) => [`f${i}`, 'aa'.repeat(32)] as const)), byproducts: {},
});

async function compileError(rule: string): Promise<string> {
  const engine = await loadAttributeEngine();
  try {
    engine.compileItemRules('x', readAttributeRules([rule], 'steps[0].expected_attributes'), 'steps[0].expected_attributes');
  } catch (err) {
    assert.ok(isCairnError(err, 'SCHEMA_INVALID'), String(err));
    return err.message;
  }
  return 'compiled';
}

describe('attribute rules: hostile layouts stay within bounds', () => {
  it('refuses deep nesting when the layout is read', async () => {
    assert.match(await compileError(`${'('.repeat(200)}true${')'.repeat(200)}`), /steps\[0\]\.expected_attributes\[0\]: CEL: Exceeded maxDepth/);
    assert.match(await compileError(`${'!'.repeat(3000)}true`), /more than 4096|Exceeded/);
  });

  it('refuses huge list literals and too many nodes', async () => {
    assert.match(await compileError(`[${Array.from({ length: 501 }, (_, i) => i).join(',')}].size() > 0`), /Exceeded maxListElements/);
    assert.match(await compileError(Array.from({ length: 700 }, () => '1').join(' + ') + ' > 0'), /Exceeded maxAstNodes/);
  });

  it('stops nested comprehensions over big evidence at the time limit, naming the rule and evidence', async () => {
    const rule = 'products.all(a, products.all(b, products.all(c, a != "" && b != "" && c != "")))';
    const engine = await loadAttributeEngine();
    const rules = engine.compileItemRules('scan', readAttributeRules([rule], 't'), 't');
    assert.throws(() => engine.evaluateAttributeRules([{ rules, evidence: [big(2000)] }], CTX, 300), (err: unknown) => {
      assert.ok(isCairnError(err, 'VERIFICATION_FAILED'));
      assert.match(err.message, /^scan: attribute rule ".*" over big\.link did not finish within 300 ms$/);
      return true;
    });
    // and the engine still works afterwards
    assert.equal(await failureOf(['size(products) == 3'], [big(3)]), undefined);
  });

  it('stops growing lists at the time limit', async () => {
    const engine = await loadAttributeEngine();
    const rules = engine.compileItemRules('x', readAttributeRules(['subject.map(a, subject + subject + subject + subject).size() > 0'], 't'), 't');
    assert.throws(() => engine.evaluateAttributeRules([{ rules, evidence: [big(20000)] }], CTX, 300), /did not finish within 300 ms/);
  });

  it('runs a backtracking pattern in linear time (RE2)', async () => {
    const e: AttributeEvidence = { ...big(0), name: `${'a'.repeat(5000)}!` } as AttributeEvidence;
    assert.match((await failureOf(["name.matches('^(a+)+$')"], [e], CTX, 2000))!, /false/);
    assert.match((await failureOf(["name.matches('^(a|aa)*$')"], [e], CTX, 2000))!, /false/);
  });
});
