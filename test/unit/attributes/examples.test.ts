import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';
import { checkLayoutAttributes } from '../../../src/author/index.js';
import { clone, CTX, failureOf, readJson, statementEvidence, wrap } from './fixtures.js';
import type { AttributeEvidence } from '../../../src/attributes/index.js';

// The attribute-rule examples of docs/policy.md, as written there: each step's rules hold on
// the upstream example attestation of its predicate type (testdata/attestations/README.md), are
// free of `layout check` errors, and reject a changed copy with a message that names the rule
// and the value that broke it.

interface Example { name: string; expected_predicate_type?: string; expected_attributes: unknown[] }

function docExamples(): Example[] {
  const text = readFileSync(join(REPO_ROOT, 'docs', 'policy.md'), 'utf8');
  const m = /<!-- attribute-examples:begin -->\n```json\n([\s\S]*?)\n```\n<!-- attribute-examples:end -->/.exec(text);
  assert.ok(m, 'docs/policy.md has the attribute-examples block');
  return JSON.parse(m[1]!) as Example[];
}

const COMMIT = 'c27d339ee6075c1f744c5d4b200f7901aad2c369';
const ctx = { ...CTX, parameters: { commit: COMMIT } };

// For each example: the upstream evidence, and changes that each must make a rule fail, with
// the text the failure must contain (the value that broke the rule).
const cases: Record<string, { evidence: () => AttributeEvidence; breaks: { what: string; change: (p: any) => void; shows: string }[] }> = {
  build: {
    evidence: () => statementEvidence(readJson('slsa-provenance-v1.statement.json')),
    breaks: [
      { what: 'another builder', change: (p) => { p.runDetails.builder.id = 'https://evil.example/builder'; }, shows: '"https://evil.example/builder"' },
      { what: 'another repository', change: (p) => { p.buildDefinition.externalParameters.workflow.repository = 'https://github.com/octocat/fork'; }, shows: '"https://github.com/octocat/fork"' },
      { what: 'another commit', change: (p) => { p.buildDefinition.resolvedDependencies[0].digest.gitCommit = '0'.repeat(40); }, shows: 'built from the reviewed commit' },
    ],
  },
  'sbom-spdx': {
    evidence: () => statementEvidence(wrap('https://spdx.dev/Document/v2.3', readJson('spdx-2.3.predicate.json'))),
    breaks: [{ what: 'a GPL package', change: (p) => { p.packages[3].licenseConcluded = 'GPL-3.0-only'; }, shows: 'no package under GPL or AGPL' }],
  },
  'sbom-cyclonedx': {
    evidence: () => statementEvidence(wrap('https://cyclonedx.org/bom/v1.5', readJson('cyclonedx-1.5.predicate.json'))),
    breaks: [{ what: 'an AGPL component', change: (p) => { p.components[0].licenses[0].license.id = 'AGPL-3.0-only'; }, shows: 'predicate.components is [' }],
  },
  scan: {
    evidence: () => statementEvidence(readJson('vulns.statement.json')),
    breaks: [
      { what: 'a critical finding', change: (p) => { p.scanner.result[0].severity[0].score = 'critical'; }, shows: 'no critical vulnerability' },
      { what: 'an old scan', change: (p) => { p.metadata.scanFinishedOn = '2021-06-01T00:00:00Z'; }, shows: '"2021-06-01T00:00:00.000Z"' },
    ],
  },
  test: {
    evidence: () => statementEvidence(readJson('test-result.statement.json')),
    breaks: [
      { what: 'a failed run', change: (p) => { p.result = 'FAILED'; }, shows: 'predicate.result is "FAILED"' },
      { what: 'a failed test', change: (p) => { p.failedTests = ['build (3.7, ubuntu-latest, py)']; }, shows: 'size(predicate.failedTests) is 1' },
    ],
  },
  clone: {
    evidence: () => ({
      kind: 'link', origin: 'clone.d8d142ee.link', name: 'clone', command: ['git', 'clone', 'https://example.com/foo.git'],
      materials: new Map(), products: new Map([['foo', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']]), byproducts: { 'return-value': 0, stdout: '', stderr: '' },
    }),
    breaks: [
      { what: 'another command', change: (e) => { e.command = ['git', 'clone', 'https://evil.example/foo.git']; }, shows: '["git","clone","https://evil.example/foo.git"]' },
      { what: 'a failed command', change: (e) => { e.byproducts = { 'return-value': 1 }; }, shows: "byproducts[\"return-value\"] is 1" },
    ],
  },
};

describe('attribute rule examples (docs/policy.md)', () => {
  const examples = docExamples();

  it('covers every example the docs show', () => {
    assert.deepEqual(examples.map((e) => e.name).sort(), Object.keys(cases).sort());
  });

  for (const ex of examples) {
    describe(ex.name, () => {
      const c = cases[ex.name]!;
      it('holds on the upstream example', async () => {
        assert.equal(await failureOf(ex.expected_attributes, [c.evidence()], ctx), undefined);
      });
      it('is free of layout check errors', async () => {
        const body = { _type: 'layout', steps: [{ _type: 'step', ...ex }], inspect: [] };
        assert.deepEqual((await checkLayoutAttributes(body)).filter((p) => p.severity === 'error'), []);
      });
      for (const b of c.breaks) {
        it(`rejects ${b.what}, naming the rule and the value`, async () => {
          const e = clone(c.evidence()) as any;
          if (e.kind === 'link') {
            const link = { ...c.evidence() } as any;
            b.change(link);
            const msg = (await failureOf(ex.expected_attributes, [link], ctx)) ?? 'passed';
            assert.ok(msg.includes('rule "'), msg);
            assert.ok(msg.includes(b.shows), msg);
            return;
          }
          b.change(e.predicate);
          e.materials = new Map();
          e.products = new Map();
          const msg = (await failureOf(ex.expected_attributes, [e], ctx)) ?? 'passed';
          assert.ok(msg.includes('rule "'), msg);
          assert.ok(msg.includes(b.shows), msg);
          assert.ok(msg.includes('failed on statement.json'), msg);
        });
      }
    });
  }
});
