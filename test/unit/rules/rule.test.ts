import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRule } from '../../../src/rules/index.js';
import { assertCairnErrorSync } from '../../helpers/assert.js';

describe('parseRule', () => {
  it('reads the four MATCH shapes, keywords in any case, names and patterns as written', () => {
    assert.deepEqual(parseRule(['match', 'Src/*', 'with', 'Products', 'from', 'Build']), {
      kind: 'match', text: 'match Src/* with Products from Build', pattern: 'Src/*', sourcePrefix: '', destType: 'products', destPrefix: '', destName: 'Build',
    });
    const r = parseRule(['MATCH', '*', 'IN', 'a', 'WITH', 'MATERIALS', 'IN', 'b', 'FROM', 's']);
    assert.equal(r.kind === 'match' && `${r.sourcePrefix}|${r.destType}|${r.destPrefix}|${r.destName}`, 'a|materials|b|s');
    const s = parseRule(['MATCH', '*', 'IN', 'a', 'WITH', 'PRODUCTS', 'FROM', 's']);
    assert.equal(s.kind === 'match' && `${s.sourcePrefix}|${s.destPrefix}`, 'a|');
    const d = parseRule(['MATCH', '*', 'WITH', 'PRODUCTS', 'IN', 'b', 'FROM', 's']);
    assert.equal(d.kind === 'match' && `${d.sourcePrefix}|${d.destPrefix}`, '|b');
  });

  it('reads the one-pattern rules and REQUIRE', () => {
    for (const k of ['CREATE', 'delete', 'Modify', 'ALLOW', 'DISALLOW']) assert.equal(parseRule([k, '*']).kind, k.toLowerCase());
    assert.deepEqual(parseRule(['REQUIRE', 'a*b']), { kind: 'require', text: 'REQUIRE a*b', path: 'a*b' });
  });

  it('refuses what in-toto refuses, saying why', () => {
    assertCairnErrorSync(() => parseRule(['MACTH', '*']), 'SCHEMA_INVALID', /unknown rule keyword "MACTH"/);
    assertCairnErrorSync(() => parseRule(['ALLOW']), 'SCHEMA_INVALID', /has no pattern/);
    assertCairnErrorSync(() => parseRule([]), 'SCHEMA_INVALID', /an empty rule/);
    assertCairnErrorSync(() => parseRule(['ALLOW', 'a', 'b']), 'SCHEMA_INVALID', /ALLOW takes exactly one pattern/);
    assertCairnErrorSync(() => parseRule(['MATCH', '*', 'WITH', 'PRODUCTS']), 'SCHEMA_INVALID', /malformed MATCH rule/);
    assertCairnErrorSync(() => parseRule(['MATCH', '*', 'WITH', 'ARTIFACTS', 'FROM', 's']), 'SCHEMA_INVALID', /WITH MATERIALS or WITH PRODUCTS/);
    assertCairnErrorSync(() => parseRule(['MATCH', '*', 'IN', 'a', 'WITH', 'PRODUCTS', 'IN', 'b', 'TO', 's']), 'SCHEMA_INVALID', /malformed MATCH/);
    assertCairnErrorSync(() => parseRule('ALLOW *'), 'SCHEMA_INVALID', /list of strings/);
    assertCairnErrorSync(() => parseRule(['ALLOW', 3]), 'SCHEMA_INVALID', /list of strings/);
  });
});
