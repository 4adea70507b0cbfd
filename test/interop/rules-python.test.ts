import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { applyRules, parseRules, type ArtifactView } from '../../src/rules/index.js';
import { DEBIAN_PYTHON } from '../helpers/exec.js';
import { must } from './chain.js';

// The rule engine against in-toto 1.3.1's own verify_item_rules, on thousands of random rule
// lists over random artifacts (odd paths, globs, prefixes, digests with several algorithms):
// the same verdict, and the same queue after every rule (in-toto's RULE_TRACE).

const root = mkdtempSync(join(tmpdir(), 'cairn-rules-py-'));
after(() => rmSync(root, { recursive: true, force: true }));

type Arts = Record<string, Record<string, string>>;
const pathArb = fc.stringMatching(/^[ab.]{0,2}([/\\][ab*?[\]!]{0,2}){0,2}$/);
const digestArb = fc.constantFrom<Record<string, string>>({ sha256: 'aa' }, { sha256: 'bb' }, { sha256: 'aa', sha512: 'cc' });
const artsArb = fc.dictionary(pathArb, digestArb, { maxKeys: 7 });
const patternArb = fc.oneof(fc.constantFrom('*', '?', '*/*', '[ab]*', '[!a]*', '[a-b]?', 'a[', '*[]]', '**', '.*'), pathArb);
const prefixArb = fc.constantFrom('', 'a', 'a/', 'b', 'a\\b', '/', 'ab/a');
const ruleArb = fc.oneof(
  fc.tuple(fc.constantFrom('CREATE', 'DELETE', 'MODIFY', 'ALLOW', 'DISALLOW', 'REQUIRE', 'allow'), patternArb),
  fc.tuple(patternArb, prefixArb, fc.constantFrom('MATERIALS', 'products'), prefixArb, fc.constantFrom('s1', 's2', 'nope')).map(([p, sp, t, dp, s]) => [
    'MATCH', p, ...(sp ? ['IN', sp] : []), 'WITH', t, ...(dp ? ['IN', dp] : []), 'FROM', s,
  ]),
);
const caseArb = fc.record({
  rules: fc.array(ruleArb, { maxLength: 6 }),
  queue: fc.constantFrom('materials', 'products'),
  item: fc.tuple(artsArb, artsArb),
  s1: fc.tuple(artsArb, artsArb),
  s2: fc.tuple(artsArb, artsArb),
});

const PY = `
import sys, json
from in_toto import verifylib
from in_toto.models.link import Link
from in_toto.models.metadata import Metablock
out = []
for c in json.load(open(sys.argv[1])):
    links = {n: Metablock(signed=Link(name=n, materials=m, products=p)) for n, (m, p) in (("item", c["item"]), ("s1", c["s1"]), ("s2", c["s2"]))}
    try:
        verifylib.verify_item_rules("item", c["queue"], c["rules"], links)
        ok = True
    except Exception as e:
        ok = False
    out.append({"ok": ok, "queues": [sorted(t["queue"]) for t in verifylib.RULE_TRACE["trace"]]})
json.dump(out, open(sys.argv[2], "w"))
`;

describe('rule engine vs in-toto 1.3.1 verify_item_rules', () => {
  it('agrees on verdicts and queues for 4000 random rule lists', async () => {
    const cases = fc.sample(caseArb, { numRuns: 4000, seed: 424242 });
    writeFileSync(join(root, 'cases.json'), JSON.stringify(cases));
    writeFileSync(join(root, 'rules.py'), PY);
    await must(DEBIAN_PYTHON, [join(root, 'rules.py'), join(root, 'cases.json'), join(root, 'out.json')], root);
    const want = (await import('node:fs')).readFileSync(join(root, 'out.json'), 'utf8');
    const expected = JSON.parse(want) as { ok: boolean; queues: string[][] }[];
    const view = ([m, p]: [Arts, Arts]): ArtifactView => ({ materials: new Map(Object.entries(m)), products: new Map(Object.entries(p)) });
    let failures = 0;
    for (const [i, c] of cases.entries()) {
      const links = new Map([['item', view(c.item)], ['s1', view(c.s1)], ['s2', view(c.s2)]]);
      const r = applyRules(parseRules(c.rules), c.queue as 'materials' | 'products', links.get('item')!, links);
      const e = expected[i]!;
      const where = `case ${i}: ${JSON.stringify(c)}`;
      assert.equal(r.ok, e.ok, where);
      if (!r.ok) failures++;
      // in-toto records the queue after each rule that did not raise
      let queue = [...links.get('item')![c.queue as 'materials' | 'products'].keys()];
      const after = r.applied.map((a) => (queue = queue.filter((x) => !a.consumed.includes(x))).slice().sort());
      assert.deepEqual(after, e.queues, where);
    }
    assert.ok(failures > 500 && failures < 3500, `${failures} of 4000 failed: the generator exercises both outcomes`);
  });
});
