import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { linkToStatement, statementToLink, makeLink, interpretPayload, LINK_PREDICATE_V03, statementArtifacts, makeStatement } from '../../../src/intoto/index.js';
import { assertCairnErrorSync } from '../../helpers/assert.js';

// Links as Statements with the link v0.3 predicate, and back: lossless where the spec defines
// the conversion (products <-> subject, materials <-> predicate.materials).
// Spec: https://github.com/in-toto/attestation/blob/main/spec/predicates/link.md

// Artifact maps are null-prototype objects (a path may be called "__proto__"); compare as JSON.
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const digest = fc.string({ minLength: 64, maxLength: 64, unit: fc.constantFrom(...'0123456789abcdef') });
const artifacts = fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.record({ sha256: digest }), { maxKeys: 6 });

describe('link <-> Statement', () => {
  it('round-trips every link field the predicate carries', () => {
    fc.assert(fc.property(
      fc.string({ minLength: 1 }), fc.array(fc.string()), artifacts, artifacts,
      fc.record({ 'return-value': fc.integer(), stdout: fc.string(), stderr: fc.string() }),
      fc.dictionary(fc.string(), fc.string()),
      (name, command, materials, products, byproducts, environment) => {
        const link = makeLink({ name, command, materials, products, byproducts, environment });
        const stmt = linkToStatement(link);
        assert.equal(stmt.predicateType, LINK_PREDICATE_V03);
        assert.deepEqual(plain(statementToLink(stmt)), plain(link));
        const back = interpretPayload(JSON.parse(JSON.stringify(stmt)));
        assert.equal(back.kind, 'link');
        if (back.kind === 'link') assert.deepEqual(plain(back.link), plain(link));
      },
    ), { numRuns: 200 });
  });

  it('puts products in the subject and materials in the predicate', () => {
    const stmt = linkToStatement(makeLink({ name: 'b', materials: { 'src/a.c': { sha256: 'aa' } }, products: { 'bin/a': { sha256: 'bb' } } }));
    assert.deepEqual(stmt.subject, [{ name: 'bin/a', digest: { sha256: 'bb' } }]);
    assert.deepEqual((stmt.predicate as { materials: unknown }).materials, [{ name: 'src/a.c', digest: { sha256: 'aa' } }]);
  });

  it('refuses duplicate names and descriptors without a digest', () => {
    const dup = makeStatement([{ name: 'x', digest: { sha256: 'a' } }, { name: 'x', digest: { sha256: 'b' } }], LINK_PREDICATE_V03, { name: 's' });
    assertCairnErrorSync(() => statementToLink(dup), 'SCHEMA_INVALID', /duplicate artifact name "x"/);
    const nodigest = makeStatement([{ name: 'x' }], LINK_PREDICATE_V03, { name: 's' });
    assertCairnErrorSync(() => statementToLink(nodigest), 'SCHEMA_INVALID', /subject\[0\]: a resource descriptor needs/);
  });

  it('reads materials and products of other predicates as attestation-verifier does', () => {
    const subject = [{ name: 'img', digest: { sha256: 'cc' } }];
    const slsa1 = makeStatement(subject, 'https://slsa.dev/provenance/v1', { buildDefinition: { resolvedDependencies: [{ uri: 'git+https://x', digest: { sha1: 'dd' } }] } });
    assert.deepEqual(plain(statementArtifacts(slsa1)), { materials: { 'git+https://x': { sha1: 'dd' } }, products: { img: { sha256: 'cc' } } });
    const sbom = makeStatement(subject, 'https://spdx.dev/Document', {});
    assert.deepEqual(plain(statementArtifacts(sbom)), { materials: { img: { sha256: 'cc' } }, products: { img: { sha256: 'cc' } } });
  });
});
