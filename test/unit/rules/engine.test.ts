import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyRules, artifactMapOf, compactDigests, expandDigests, indexArtifacts, parseRules, sameDigests, type ArtifactView, type Digests } from '../../../src/rules/index.js';

const d = (x: string) => ({ sha256: x });
const view = (m: Record<string, string>, p: Record<string, string>): ArtifactView => ({
  materials: indexArtifacts(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, d(v)]))),
  products: indexArtifacts(Object.fromEntries(Object.entries(p).map(([k, v]) => [k, d(v)]))),
});
const apply = (rules: string[][], q: 'materials' | 'products', item: ArtifactView, links: Record<string, ArtifactView> = {}) =>
  applyRules(parseRules(rules), q, item, new Map(Object.entries(links)));

describe('applyRules', () => {
  it('CREATE, DELETE and MODIFY consume only created, deleted and modified artifacts', () => {
    const item = view({ kept: '1', gone: '2', changed: '3' }, { kept: '1', changed: '4', fresh: '5' });
    const p = apply([['CREATE', '*'], ['MODIFY', '*'], ['DISALLOW', '*']], 'products', item);
    assert.equal(p.ok, false);
    assert.deepEqual(p.failure?.artifacts, ['kept']);
    assert.deepEqual(p.applied.map((a) => [...a.consumed]), [['fresh'], ['changed']]);
    const m = apply([['DELETE', '*'], ['MODIFY', '*'], ['ALLOW', 'kept'], ['DISALLOW', '*']], 'materials', item);
    assert.equal(m.ok, true);
    assert.deepEqual(m.applied.map((a) => a.consumed.length), [1, 1, 1, 0]);
  });

  it('MATCH compares the whole digest dict and consumes nothing from a step that is not there', () => {
    const prev = { materials: indexArtifacts({}), products: indexArtifacts({ a: { sha256: 'x' }, b: { sha256: 'y', sha512: 'z' } }) };
    const item = { materials: indexArtifacts({ a: { sha256: 'x' }, b: { sha256: 'y' } }), products: indexArtifacts({}) };
    const r = applyRules(parseRules([['MATCH', '*', 'WITH', 'PRODUCTS', 'FROM', 'prev'], ['DISALLOW', '*']]), 'materials', item, new Map([['prev', prev]]));
    assert.equal(r.failure?.message, 'DISALLOW * rejected b');
    const none = apply([['MATCH', '*', 'WITH', 'PRODUCTS', 'FROM', 'nowhere'], ['DISALLOW', '*']], 'materials', view({ a: '1' }, {}));
    assert.deepEqual(none.failure?.artifacts, ['a']);
  });

  it('MATCH strips the source prefix before globbing and adds the destination prefix', () => {
    const prev = view({}, { 'build/app/x.py': '1', 'build/app/y.py': '2' });
    const item = view({ 'src/x.py': '1', 'src/y.py': '9', 'srcx/x.py': '1' }, {});
    const r = apply([['MATCH', '*.py', 'IN', 'src', 'WITH', 'PRODUCTS', 'IN', 'build/app/', 'FROM', 'prev']], 'materials', item, { prev });
    assert.deepEqual(r.applied[0]!.consumed, ['src/x.py']);
    const noGlobInPrefix = apply([['MATCH', '*', 'IN', 's*', 'WITH', 'PRODUCTS', 'FROM', 'prev']], 'materials', view({ 'src/a': '1' }, {}), { prev: view({}, { a: '1' }) });
    assert.deepEqual(noGlobInPrefix.applied[0]!.consumed, []);
  });

  it('fails like in-toto when a MATCH re-joins a path that is not a source artifact', () => {
    // os.path.join('src', '/x') is '/x': in-toto's lookup raises KeyError there
    const r = apply([['MATCH', '*', 'IN', 'src', 'WITH', 'PRODUCTS', 'FROM', 'prev']], 'materials', view({ 'src//x': '1' }, {}), { prev: view({}, {}) });
    assert.equal(r.ok, false);
    assert.equal(r.failure?.kind, 'match-source');
  });

  it('REQUIRE looks for a literal path in the queue and consumes nothing', () => {
    const item = view({}, { 'a*': '1', ab: '2' });
    assert.equal(apply([['REQUIRE', 'a*'], ['REQUIRE', 'ab'], ['DISALLOW', 'ab']], 'products', item).failure?.rule, 'DISALLOW ab');
    assert.equal(apply([['ALLOW', 'ab'], ['REQUIRE', 'ab']], 'products', item).failure?.message, 'REQUIRE ab did not find ab');
    assert.equal(apply([['REQUIRE', 'a?']], 'products', item).ok, false);
  });

  it('lets whatever no rule consumed pass (the implicit ALLOW *)', () => {
    const r = apply([['CREATE', 'nothing']], 'products', view({}, { a: '1', b: '2' }));
    assert.equal(r.ok, true);
    assert.equal(r.remaining, 2);
  });
});

describe('digest sets in the index', () => {
  it('keeps a sha256-only set as its value and any other set as it is', () => {
    assert.equal(compactDigests({ sha256: 'ab' }), 'ab');
    const two = { sha256: 'ab', sha512: 'cd' };
    assert.equal(compactDigests(two), two);
    const other = { sha512: 'ab' };
    assert.equal(compactDigests(other), other);
    const empty = {};
    assert.equal(compactDigests(empty), empty);
    assert.deepEqual(expandDigests('ab'), { sha256: 'ab' });
    assert.equal(expandDigests(two), two);
  });

  it('compares sets as Python dicts whatever their form', () => {
    assert.equal(sameDigests('ab', 'ab'), true);
    assert.equal(sameDigests('ab', 'cd'), false);
    assert.equal(sameDigests('ab', { sha256: 'ab' }), true);
    assert.equal(sameDigests({ sha256: 'ab' }, 'ab'), true);
    assert.equal(sameDigests('ab', { sha256: 'ab', sha512: 'cd' }), false);
    assert.equal(sameDigests({ sha512: 'ab' }, 'ab'), false);
    assert.equal(sameDigests({ sha256: 'ab', sha512: 'cd' }, { sha512: 'cd', sha256: 'ab' }), true);
    assert.equal(sameDigests({}, {}), true);
  });

  it('turns an index back into the artifact map it came from', () => {
    const map = { a: { sha256: '1' }, b: { sha256: '2', sha512: '3' }, ['__proto__']: { md5: '4' } };
    const back = artifactMapOf(indexArtifacts(JSON.parse(JSON.stringify(map))));
    assert.deepEqual(Object.entries(back), Object.entries(JSON.parse(JSON.stringify(map))));
  });

  it('MODIFY and MATCH see a sha256-only set and its compact form as equal', () => {
    const prev: ArtifactView = { materials: new Map(), products: new Map<string, Digests>([['a', { sha256: 'x' }], ['b', 'y']]) };
    const item: ArtifactView = { materials: new Map<string, Digests>([['a', 'x'], ['b', { sha256: 'y' }]]), products: new Map<string, Digests>([['a', { sha256: 'x' }], ['b', 'z']]) };
    const m = applyRules(parseRules([['MATCH', '*', 'WITH', 'PRODUCTS', 'FROM', 'prev'], ['DISALLOW', '*']]), 'materials', item, new Map([['prev', prev]]));
    assert.equal(m.ok, true);
    const p = applyRules(parseRules([['MODIFY', '*'], ['DISALLOW', '*']]), 'products', item, new Map());
    assert.equal(p.failure?.message, 'DISALLOW * rejected a');
  });
});
