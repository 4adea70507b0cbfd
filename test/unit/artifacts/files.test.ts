import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { recordArtifacts, normPath, hashFile } from '../../../src/artifacts/index.js';
import { sha256Hex } from '../../../src/digest/index.js';
import { tmpDir, writeTree } from '../../helpers/tmp.js';
import { assertCairnErrorSync } from '../../helpers/assert.js';
import { UPSTREAM } from '../../helpers/paths.js';

describe('file resolver', () => {
  it('normalises paths like os.path.normpath', () => {
    assert.equal(normPath('./a/../b/'), 'b');
    assert.equal(normPath(''), '.');
    assert.equal(normPath('a//b/./c'), 'a/b/c');
    assert.equal(normPath('/x/../y'), '/y');
  });

  it('walks directories, applies the default excludes and skips missing paths', () => {
    const root = tmpDir();
    writeTree(root, { 'src/a.txt': 'a', 'src/b/c.txt': 'c', 'src/x.link': 'l', 'src/.git/HEAD': 'h', 'src/m.pyc': 'p', 'top': 't' });
    const skipped: string[] = [];
    const got = recordArtifacts(['src', 'top', 'nope'], { basePath: root, onSkip: (p) => skipped.push(p) });
    assert.deepEqual(Object.keys(got).sort(), ['src/a.txt', 'src/b/c.txt', 'top']);
    assert.equal(got['src/a.txt']!['sha256'], sha256Hex('a'));
    assert.deepEqual(skipped, ['nope']);
  });

  it('replaces the default excludes when patterns are given', () => {
    const root = tmpDir();
    writeTree(root, { 'a.link': 'l', 'b.txt': 'b' });
    assert.deepEqual(Object.keys(recordArtifacts(['.'], { basePath: root, excludePatterns: ['*.txt'] })), ['a.link']);
  });

  it('strips lstrip prefixes and refuses collisions and overlapping prefixes', () => {
    const root = tmpDir();
    writeTree(root, { 'x/f': '1', 'y/f': '2' });
    assert.deepEqual(Object.keys(recordArtifacts(['x'], { basePath: root, lstripPaths: ['x/'] })), ['f']);
    assertCairnErrorSync(() => recordArtifacts(['x', 'y'], { basePath: root, lstripPaths: ['x/', 'y/'] }), 'INVALID_ARGUMENT', /both "f"/);
    assertCairnErrorSync(() => recordArtifacts(['x'], { basePath: root, lstripPaths: ['x', 'x/'] }), 'INVALID_ARGUMENT', /overlap/);
  });

  it('hashes symlinked files, skips dangling links, follows directory links only when asked, and survives loops', () => {
    const root = tmpDir();
    writeTree(root, { 'd/real/f': 'f', 'd/file': 'x' });
    symlinkSync('file', join(root, 'd/flink'));
    symlinkSync('real', join(root, 'd/dlink'));
    symlinkSync('missing', join(root, 'd/dangling'));
    symlinkSync('..', join(root, 'd/real/loop'));
    const plain = recordArtifacts(['d'], { basePath: root });
    assert.deepEqual(Object.keys(plain).sort(), ['d/file', 'd/flink', 'd/real/f']);
    const followed = recordArtifacts(['d'], { basePath: root, followSymlinkDirs: true });
    assert.ok(followed['d/dlink/f'], 'followed a directory symlink');
    assert.ok(Object.keys(followed).length < 20, 'the loop d/real/loop -> d was not walked forever');
  });

  it('normalises line endings when asked (in-toto-golang fixtures hash alike)', () => {
    const files = ['line-ending-linux', 'line-ending-windows', 'line-ending-macos', 'line-ending-mixed'];
    const dir = join(UPSTREAM, 'in-toto-golang/test/data');
    const normal = new Set(files.map((f) => hashFile(join(dir, f), true)));
    assert.deepEqual([...normal], ['efb929dfabd55c93796fc61cbf1fe6157445f093167dbee82e8b069842a4fceb']);
    assert.equal(new Set(files.map((f) => hashFile(join(dir, f)))).size, 4);
  });

  it('rejects a base path that is not a directory', () => {
    assertCairnErrorSync(() => recordArtifacts(['x'], { basePath: '/nonexistent-cairn' }), 'INVALID_ARGUMENT', /base path/);
  });
});

describe('file resolver: awkward names', () => {
  it('records a file called __proto__ like any other', async () => {
    const { prettySortedJson } = await import('../../../src/encoding/index.js');
    const root = tmpDir();
    writeTree(root, { ['__proto__']: 'p', constructor: 'c' });
    const got = recordArtifacts(['.'], { basePath: root });
    assert.deepEqual(Object.keys(got).sort(), ['__proto__', 'constructor']);
    assert.match(prettySortedJson({ products: got }), /"__proto__": \{\n {3}"sha256": "/);
  });
});
