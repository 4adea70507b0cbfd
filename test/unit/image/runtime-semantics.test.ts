import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertCairnError } from '../../helpers/assert.js';
import { hex, type TarEntrySpec } from '../../helpers/tar.js';
import { flat, view } from '../../helpers/flat.js';

// The flattener against containerd's applier (pkg/archive/tar.go applyNaive and its overlayfs
// variant, OverlayConvertWhiteout), case by case: what a runtime extracts the rules see, and what
// containerd's two appliers disagree on is refused. Each attack here passed the rules on the old
// flattener while a runtime ran something else (docs/security.md).


const file = (name: string, content: string): TarEntrySpec => ({ name, content });
const dir = (name: string): TarEntrySpec => ({ name, type: 'dir' });
const symlink = (name: string, linkname: string): TarEntrySpec => ({ name, type: 'symlink', linkname });
const hardlink = (name: string, linkname: string): TarEntrySpec => ({ name, type: 'hardlink', linkname });

describe('image flattening as containerd applies layers: whiteout names', () => {
  it('lists a file below a directory named .wh..wh.<x>/, and the symlink that runs it (attack)', async () => {
    const files = await flat(
      [file('usr/local/bin/real', 'built')],
      [symlink('usr/local/bin/app', '../../../.wh..wh.x/app'), file('.wh..wh.x/app', 'evil')],
    );
    const map = files.toArtifactMap();
    assert.deepEqual(map['.wh..wh.x/app'], { sha256: hex('evil') });
    assert.deepEqual(map['usr/local/bin/app'], { sha256: hex('evil') });
    assert.equal(files.get('.wh..wh.x')?.type, 'dir');
  });

  it('lists files below a directory named .wh.<x>/ and hard links into one (attack)', async () => {
    const files = await flat([file('.wh.hidden/run', 'evil'), hardlink('.wh..wh.plnk/1.2', '.wh.hidden/run')]);
    assert.deepEqual(files.toArtifactMap()['.wh.hidden/run'], { sha256: hex('evil') });
    assert.deepEqual(files.toArtifactMap()['.wh..wh.plnk/1.2'], { sha256: hex('evil') });
  });

  it('takes only the base name as a whiteout: .wh..wh.<x> whites out .wh.<x>, whatever the entry type', async () => {
    const files = await flat([file('.wh.a/f', 'f'), file('keep/.wh.b/g', 'g')], [dir('.wh..wh.a/'), { name: 'keep/.wh..wh.b', type: 'symlink', linkname: 'x' }]);
    assert.deepEqual(view(files), { keep: 'dir' });
  });
});

describe('image flattening as containerd applies layers: order within a layer', () => {
  it('refuses a directory written over a whiteout of a directory in the same layer (overlayfs shows the lower files again) (attack)', async () => {
    const lower = [file('lib/evil.so', 'evil'), file('lib/good.so', 'good')];
    await assertCairnError(() => flat(lower, [file('.wh.lib', ''), dir('lib/'), file('lib/good.so', 'good')]), 'ARCHIVE_INVALID', /tar entry "lib\/" is a directory where this layer whited out a directory/);
    // a file over the whiteout, or a directory over a whited-out file, is what every applier makes
    assert.deepEqual(view(await flat(lower, [file('.wh.lib', ''), file('lib', 'now a file')])), { lib: hex('now a file') });
    assert.deepEqual(view(await flat([file('f', 'f')], [file('.wh.f', ''), dir('f/')])), { f: 'dir' });
  });

  it('refuses an entry below a path its layer whited out (overlayfs: not a directory)', async () => {
    await assertCairnError(() => flat([file('d/x', 'x')], [file('.wh.d', ''), file('d/y', 'y')]), 'ARCHIVE_INVALID', /tar entry "d\/y" is below "d", which this layer whited out/);
  });

  it('refuses a whiteout of a path its own layer wrote, before or below it', async () => {
    await assertCairnError(() => flat([file('x', 'old')], [file('x', 'new'), file('.wh.x', '')]), 'ARCHIVE_INVALID', /whites out "x", which this layer wrote/);
    await assertCairnError(() => flat([file('d/old', 'o')], [file('d/new', 'n'), file('.wh.d', '')]), 'ARCHIVE_INVALID', /whites out "d", which this layer wrote/);
    await assertCairnError(() => flat([file('a', 'a')], [file('.wh.a', ''), file('.wh.a', '')]), 'ARCHIVE_INVALID', /whites out "a"/);
  });

  it('applies a whiteout where it sits: an entry after it in the same layer stays', async () => {
    assert.deepEqual(view(await flat([file('x', 'old')], [file('.wh.x', ''), file('x', 'new')])), { x: hex('new') });
  });

  it('refuses an opaque marker after entries below a directory its layer created only as a parent', async () => {
    const lower = [file('d/sub/old', 'o')];
    await assertCairnError(() => flat(lower, [file('d/sub/new', 'n'), file('d/.wh..wh..opq', '')]), 'ARCHIVE_INVALID', /comes after entries of its layer below "d\/sub"/);
    const explicit = await flat(lower, [dir('d/sub/'), file('d/sub/new', 'n'), file('d/.wh..wh..opq', '')]);
    assert.deepEqual(view(explicit), { d: 'dir', 'd/sub': 'dir', 'd/sub/new': hex('n') });
  });

  it('creates the missing parents of whiteouts and opaque markers, as containerd mkparent does', async () => {
    assert.deepEqual(view(await flat([file('a', 'a')], [file('x/y/.wh.z', ''), file('o/.wh..wh..opq', '')])), { a: hex('a'), o: 'dir', x: 'dir', 'x/y': 'dir' });
  });

  it('refuses a marker below a file (containerd: not a directory)', async () => {
    await assertCairnError(() => flat([file('f', 'f')], [file('f/.wh.x', '')]), 'ARCHIVE_INVALID', /"f\/\.wh\.x" is below "f", which is not a directory/);
    await assertCairnError(() => flat([file('f', 'f')], [file('f/.wh..wh..opq', '')]), 'ARCHIVE_INVALID', /not a directory/);
  });
});

describe('image flattening as containerd applies layers: hard links', () => {
  it('refuses a hard link to a file of a lower layer (the overlayfs applier links inside its layer)', async () => {
    await assertCairnError(() => flat([file('a', 'v1')], [hardlink('b', 'a')]), 'ARCHIVE_INVALID', /hard link to "a", a file of a lower layer/);
  });

  it('refuses a hard link to a path below the one it replaces, or to a whiteout', async () => {
    await assertCairnError(() => flat([dir('d/'), file('d/f', 'f'), hardlink('d', 'd/f')]), 'ARCHIVE_INVALID', /below the path it replaces/);
    await assertCairnError(() => flat([file('a', 'a')], [file('.wh.a', ''), hardlink('b', 'a')]), 'ARCHIVE_INVALID', /does not exist/);
  });

  it('links what the target is at that point of the layer', async () => {
    const files = await flat([file('a', 'v1'), hardlink('b', 'a'), file('a', 'v2')]);
    assert.equal(files.get('b')?.sha256, hex('v1'));
    assert.equal(files.get('a')?.sha256, hex('v2'));
  });
});

describe('image flattening: symlinks are artifacts', () => {
  it('gives a symlink that leads to a file that file\'s sha256, following links as the container would', async () => {
    const files = await flat([
      file('usr/lib/app/run', 'built'), dir('usr/bin/'), symlink('usr/bin/app', '../lib/app/run'), symlink('bin', 'usr/bin'),
      symlink('abs', '/bin/app'), symlink('up', '../../../../usr/bin/app'), symlink('chain', 'abs'), symlink('dotdot', 'bin/../usr/lib/app/run'),
    ]);
    for (const p of ['usr/bin/app', 'abs', 'up', 'chain']) {
      assert.deepEqual(files.toArtifactMap()[p], { sha256: hex('built') }, p);
      assert.equal(files.get(p)?.resolved, 'usr/lib/app/run', p);
    }
    // `..` after a symlinked directory is the real parent's (here the root), as in Linux
    assert.deepEqual(files.toArtifactMap()['dotdot'], { symlink: 'bin/../usr/lib/app/run' });
  });

  it('names a symlink that leads to no file with its target, a digest set no file has', async () => {
    const files = await flat([
      dir('d/'), symlink('todir', 'd'), symlink('dangling', 'nowhere'), symlink('mtab', '/proc/self/mounts'),
      symlink('loop1', 'loop2'), symlink('loop2', 'loop1'), { name: 'null', type: 'char' }, symlink('tonull', 'null'),
      file('f', 'f'), symlink('slash', 'f/'), symlink('empty', ''),
    ]);
    const map = files.toArtifactMap();
    for (const [p, t] of [['todir', 'd'], ['dangling', 'nowhere'], ['mtab', '/proc/self/mounts'], ['loop1', 'loop2'], ['tonull', 'null'], ['slash', 'f/'], ['empty', '']]) {
      assert.deepEqual(map[p!], { symlink: t }, p);
      assert.equal(files.get(p!)?.sha256, undefined, p);
    }
  });

  it('follows at most 40 symlinks in one lookup, as Linux does', async () => {
    const chain = (n: number, prefix: string): TarEntrySpec[] => [file(`${prefix}0`, 'end'), ...Array.from({ length: n }, (_, i) => symlink(`${prefix}${i + 1}`, `${prefix}${i}`))];
    const files = await flat([...chain(41, 'a'), ...chain(40, 'b')]);
    assert.deepEqual(files.toArtifactMap()['b40'], { sha256: hex('end') });
    assert.deepEqual(files.toArtifactMap()['a40'], { sha256: hex('end') });
    assert.deepEqual(files.toArtifactMap()['a41'], { symlink: 'a40' });
  });

  it('resolves a long chain of links without deep recursion', async () => {
    const n = 20_000;
    const entries: TarEntrySpec[] = [file('f', 'x'), symlink('l0', 'f')];
    for (let i = 1; i < n; i++) entries.push(symlink(`l${i}`, `l${i - 1}`));
    const files = await flat(entries);
    assert.deepEqual(files.toArtifactMap()[`l${n - 1}`], { symlink: `l${n - 2}` });
    assert.deepEqual(files.toArtifactMap()['l39'], { sha256: hex('x') });
  });
});
