import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileGlob, globFilter } from '../../../src/rules/index.js';
import { TESTDATA } from '../../helpers/paths.js';

// The table was written by CPython's own fnmatch (testdata/policy/make-fnmatch-cases.py):
// every pattern against every path, corner cases of classes, ranges and escapes included.
const table = JSON.parse(readFileSync(join(TESTDATA, 'policy', 'fnmatch-cases.json'), 'utf8')) as {
  paths: string[];
  cases: { pattern: string; matches: string[] }[];
};

describe('Python fnmatch globbing', () => {
  it(`agrees with CPython on ${table.cases.length} patterns x ${table.paths.length} paths`, () => {
    let checked = 0;
    for (const c of table.cases) {
      assert.deepEqual(globFilter(table.paths, c.pattern), c.matches, `pattern ${JSON.stringify(c.pattern)}`);
      checked += table.paths.length;
    }
    assert.ok(checked > 50_000);
  });

  it('lets * cross directory separators, unlike a shell glob', () => {
    assert.ok(compileGlob('*.py')('src/deep/a.py'));
    assert.ok(compileGlob('src/*')('src/a/b/c'));
    assert.ok(!compileGlob('src/?')('src/ab'));
  });

  it('is case-sensitive and treats regex characters literally', () => {
    assert.ok(!compileGlob('*.PY')('a.py'));
    assert.ok(compileGlob('a+b(c)|d$')('a+b(c)|d$'));
    assert.ok(!compileGlob('a.b')('axb'));
  });

  it('stays linear on patterns that make backtracking engines explode', () => {
    const m = compileGlob('*a*a*a*a*a*a*a*a*a*b');
    assert.equal(m('a'.repeat(5000)), false);
    assert.equal(m(`${'a'.repeat(5000)}b`), true);
  });
});
