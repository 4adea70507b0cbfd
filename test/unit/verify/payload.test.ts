// Moved from test/unit/policy/payload.test.ts (issue 14: policy/ split into verify/, image-verify/, author/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readEvidenceBody } from '../../../src/verify/payload.js';
import { LINK_PREDICATE_V03 } from '../../../src/intoto/index.js';
import { assertCairnErrorSync } from '../../helpers/assert.js';

// The evidence body reader: its one-pass fast paths must give what the schema path gives, with
// sha256-only digest sets in the index's compact form, and leave anything unusual to the
// schema path, which names the problem.

const statement = (subject: unknown[], materials: unknown[]) => ({
  _type: 'https://in-toto.io/Statement/v1',
  subject,
  predicateType: LINK_PREDICATE_V03,
  predicate: { name: 'build', command: ['make'], materials, byproducts: {} },
});

describe('readEvidenceBody', () => {
  it('reads a legacy link with sha256-only sets as their value and other sets as they are', () => {
    const body = readEvidenceBody({ _type: 'link', name: 'build', command: ['make'], materials: { a: { sha256: '1' }, b: { sha256: '2', sha512: '3' } }, products: { c: { sha512: '4' } }, byproducts: {}, environment: {} }, 'x');
    assert.equal(body.kind, 'link');
    if (body.kind !== 'link') return;
    assert.deepEqual([...body.materials], [['a', '1'], ['b', { sha256: '2', sha512: '3' }]]);
    assert.deepEqual([...body.products], [['c', { sha512: '4' }]]);
  });

  it('reads a link Statement the same way, subjects as products', () => {
    const body = readEvidenceBody(statement([{ name: 'c', digest: { sha256: '4' } }], [{ uri: 'u', digest: { sha256: '1', md5: '5' } }]), 'x');
    assert.equal(body.kind, 'link');
    if (body.kind !== 'link') return;
    assert.deepEqual([...body.products], [['c', '4']]);
    assert.deepEqual([...body.materials], [['u', { sha256: '1', md5: '5' }]]);
    assert.equal(body.predicateType, LINK_PREDICATE_V03);
  });

  it('leaves a name given twice, a digest that is not a string and a missing digest to the schema path', () => {
    assertCairnErrorSync(() => readEvidenceBody(statement([{ name: 'c', digest: { sha256: '4' } }, { name: 'c', digest: { sha256: '5' } }], []), 'x'), 'SCHEMA_INVALID', /duplicate artifact name "c"/);
    assertCairnErrorSync(() => readEvidenceBody(statement([{ name: 'c', digest: { sha256: 4 } }], []), 'x'), 'SCHEMA_INVALID');
    assertCairnErrorSync(() => readEvidenceBody(statement([{ name: 'c' }], []), 'x'), 'SCHEMA_INVALID');
    assertCairnErrorSync(() => readEvidenceBody({ _type: 'link', name: 'b', materials: { a: { sha256: ['1'] } } }, 'x'), 'SCHEMA_INVALID');
  });
});
