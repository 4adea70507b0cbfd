import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyRules, compileGlob, indexArtifacts, parseRules, type ArtifactView, type DigestSet } from '../../../src/rules/index.js';

// Property tests of the rule engine against a model written line by line after in-toto 1.3.1's
// verifylib (sets, os.path.join, fnmatch.filter), over random artifacts, links and rule lists.

type Arts = Record<string, Record<string, string>>;

const pathArb = fc.stringMatching(/^[ab]{0,2}(\/[ab*]{0,2}){0,2}$/);
const digestArb = fc.oneof(fc.constant({ sha256: '1' }), fc.constant({ sha256: '2' }), fc.constant({ sha256: '1', sha512: '3' }));
const artsArb = fc.dictionary(pathArb, digestArb, { maxKeys: 6 });
const patternArb = fc.constantFrom('*', 'a*', '*b', 'a/*', '?', 'a?', '[ab]', '[!a]*', 'ab', 'b/a', '*/*');
const prefixArb = fc.constantFrom('', 'a', 'a/', 'b', 'a\\b');
const stepArb = fc.constantFrom('s1', 's2', 'missing');
const ruleArb = fc.oneof(
  fc.tuple(fc.constantFrom('CREATE', 'DELETE', 'MODIFY', 'ALLOW', 'DISALLOW', 'REQUIRE'), patternArb).map(([k, p]) => [k, p]),
  fc.tuple(patternArb, prefixArb, fc.constantFrom('MATERIALS', 'PRODUCTS'), prefixArb, stepArb).map(([p, sp, t, dp, s]) => [
    'MATCH', p, ...(sp ? ['IN', sp] : []), 'WITH', t, ...(dp ? ['IN', dp] : []), 'FROM', s,
  ]),
);

const view = (m: Arts, p: Arts): ArtifactView => ({ materials: new Map(Object.entries(m)), products: new Map(Object.entries(p)) });
// the index's own form: sha256-only sets kept as their value
const compactView = (m: Arts, p: Arts): ArtifactView => ({ materials: indexArtifacts(m), products: indexArtifacts(p) });
const eq = (a: DigestSet, b: DigestSet) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
const join = (a: string, b: string) => (b.startsWith('/') ? b : a === '' || a.endsWith('/') ? a + b : `${a}/${b}`);
const fnfilter = (xs: string[], p: string) => xs.filter((x) => compileGlob(p)(x));

// verify_item_rules, transcribed; returns the consumed list of each rule, or where it failed.
function model(rules: string[][], q: 'materials' | 'products', m: Arts, p: Arts, links: Record<string, { materials: Arts; products: Arts }>) {
  const items = { materials: m, products: p };
  let queue = Object.keys(items[q]);
  const consumed: string[][] = [];
  for (const [i, rule] of rules.entries()) {
    const kind = rule[0]!.toLowerCase();
    let taken: string[] = [];
    if (kind === 'match') {
      const r = parseRules([rule])[0]!;
      if (r.kind !== 'match') throw new TypeError('not a match rule');
      const dest = links[r.destName];
      if (dest) {
        const norm = r.sourcePrefix ? join(r.sourcePrefix, '').replace(/\\/g, '/') : '';
        const srcPaths = r.sourcePrefix ? queue.filter((a) => a.startsWith(norm)).map((a) => a.slice(norm.length)) : queue;
        for (const path of fnfilter(srcPaths, r.pattern)) {
          const full = r.sourcePrefix ? join(r.sourcePrefix, path).replace(/\\/g, '/') : path;
          const src = items[q][full];
          if (!src) return { failedAt: i, consumed };
          const dst = dest[r.destType][r.destPrefix ? join(r.destPrefix, path).replace(/\\/g, '/') : path];
          if (dst && eq(src, dst)) taken.push(full);
        }
      }
    } else if (kind === 'disallow') {
      if (fnfilter(queue, rule[1]!).length > 0) return { failedAt: i, consumed };
    } else if (kind === 'require') {
      if (!queue.includes(rule[1]!)) return { failedAt: i, consumed };
    } else {
      const f = fnfilter(queue, rule[1]!);
      if (kind === 'allow') taken = f;
      if (kind === 'create') taken = f.filter((x) => x in p && !(x in m));
      if (kind === 'delete') taken = f.filter((x) => x in m && !(x in p));
      if (kind === 'modify') taken = f.filter((x) => x in m && x in p && !eq(m[x]!, p[x]!));
    }
    const before = new Set(queue);
    const gone = new Set(taken);
    queue = queue.filter((x) => !gone.has(x));
    consumed.push([...new Set(taken)].filter((x) => before.has(x)).sort());
  }
  return { failedAt: -1, consumed };
}

const caseArb = fc.record({
  rules: fc.array(ruleArb, { maxLength: 6 }),
  queue: fc.constantFrom('materials' as const, 'products' as const),
  m: artsArb, p: artsArb, s1: fc.tuple(artsArb, artsArb), s2: fc.tuple(artsArb, artsArb),
  compact: fc.tuple(fc.boolean(), fc.boolean()),
});

describe('rule engine properties', () => {
  it('reaches the verdict and consumption of in-toto\'s algorithm, rule for rule and in order', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const links = { s1: { materials: c.s1[0], products: c.s1[1] }, s2: { materials: c.s2[0], products: c.s2[1] } };
      const [itemView, linkView] = c.compact.map((x) => (x ? compactView : view));
      const got = applyRules(parseRules(c.rules), c.queue, itemView!(c.m, c.p), new Map(Object.entries(links).map(([k, v]) => [k, linkView!(v.materials, v.products)])));
      const want = model(c.rules, c.queue, c.m, c.p, links);
      assert.equal(got.failure ? got.failure.index : -1, want.failedAt);
      assert.deepEqual(got.applied.map((a) => [...a.consumed].sort()), want.consumed);
    }), { numRuns: 3000 });
  });

  it('never consumes an artifact twice, nor one that was not queued', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const item = view(c.m, c.p);
      const r = applyRules(parseRules(c.rules), c.queue, item, new Map([['s1', view(...c.s1)], ['s2', view(...c.s2)]]));
      const all = r.applied.flatMap((a) => a.consumed);
      assert.equal(new Set(all).size, all.length);
      for (const x of all) assert.ok(item[c.queue].has(x));
      assert.equal(r.remaining, item[c.queue].size - all.length);
    }), { numRuns: 2000 });
  });

  it('lets an earlier rule shield artifacts from a later DISALLOW, and not the other way round', () => {
    fc.assert(fc.property(artsArb, patternArb, patternArb, (p, allow, deny) => {
      const item = view({}, p);
      const shielded = applyRules(parseRules([['ALLOW', allow], ['DISALLOW', deny]]), 'products', item, new Map());
      const exposed = applyRules(parseRules([['DISALLOW', deny], ['ALLOW', allow]]), 'products', item, new Map());
      const paths = Object.keys(p);
      assert.equal(shielded.ok, !paths.some((x) => compileGlob(deny)(x) && !compileGlob(allow)(x)));
      assert.equal(exposed.ok, !paths.some((x) => compileGlob(deny)(x)));
    }), { numRuns: 1000 });
  });
});
