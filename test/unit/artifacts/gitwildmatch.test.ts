import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PathSpec } from '../../../src/artifacts/index.js';

// Expected values were produced with python pathspec 0.11 (Debian bookworm), the library in-toto
// 1.3.1 uses: PathSpec.from_lines('gitwildmatch', [pattern]).match_file(path).
const CASES: Array<[string, string, boolean]> = [
  ['*.link*', 'build.1234.link', true],
  ['*.link*', 'dir/build.1234.link', true],
  ['*.link*', 'dir/x.linkage', true],
  ['.git', '.git', true],
  ['.git', 'a/.git', true],
  ['.git', 'a/.git/HEAD', true],
  ['.git', 'a/.gitignore', false],
  ['*.pyc', 'a/b/c.pyc', true],
  ['*~', 'notes~', true],
  ['sub', 'a/sub', true],
  ['sub', 'a/sub/x', true],
  ['sub', 'a/subway', false],
  ['/top', 'top', true],
  ['/top', 'a/top', false],
  ['a/b', 'a/b', true],
  ['a/b', 'x/a/b', false],
  ['a/*', 'a/b', true],
  ['a/*', 'a/b/c', true],
  ['dir/', 'dir/x', true],
  ['dir/', 'dir', false],
  ['**/x', 'a/b/x', true],
  ['a/**', 'a/b/c', true],
  ['a/**/c', 'a/c', true],
  ['a/**/c', 'a/b/d/c', true],
  ['?.txt', 'a.txt', true],
  ['?.txt', 'ab.txt', false],
  ['[ab].txt', 'b.txt', true],
  ['[!ab].txt', 'b.txt', false],
  ['[!ab].txt', 'c.txt', true],
  ['\\*.txt', '*.txt', true],
  ['\\*.txt', 'a.txt', false],
  ['# comment', '# comment', false],
  ['*', 'anything/at/all', true],
];

describe('gitignore-style excludes (pathspec gitwildmatch)', () => {
  for (const [pattern, path, expected] of CASES) {
    it(`${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(path)}`, () => {
      assert.equal(new PathSpec([pattern]).matches(path), expected);
    });
  }

  it('lets a later negation re-include a path', () => {
    const spec = new PathSpec(['*.txt', '!keep.txt']);
    assert.equal(spec.matches('drop.txt'), true);
    assert.equal(spec.matches('keep.txt'), false);
  });
});
