import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flattenLayers } from '../../../src/image/index.js';
import { assertCairnError } from '../../helpers/assert.js';
import { hex, layerOf, tarOf, type TarEntrySpec } from '../../helpers/tar.js';
import { flat, view } from '../../helpers/flat.js';

// The layer-application corpus: each case builds its layer tars with tar-stream and checks
// the flattened result (or the error) against image-spec layer.md.


const file = (name: string, content: string, mode?: number): TarEntrySpec => ({ name, content, ...(mode ? { mode } : {}) });
const dir = (name: string, mode?: number): TarEntrySpec => ({ name, type: 'dir', ...(mode ? { mode } : {}) });
const symlink = (name: string, linkname: string): TarEntrySpec => ({ name, type: 'symlink', linkname });
const hardlink = (name: string, linkname: string): TarEntrySpec => ({ name, type: 'hardlink', linkname });
const unsafe = /layer sha256:[0-9a-f]{64}: /;

describe('image flattening: layers in order', () => {
  it('stacks plain files across layers, creating missing parents as 0755 directories', async () => {
    const files = await flat([dir('etc/', 0o700), file('etc/hosts', 'h'), file('bin/sh', 'sh', 0o4755)], [file('usr/bin/x', 'x')]);
    assert.deepEqual(view(files), {
      bin: 'dir', 'bin/sh': hex('sh'), etc: 'dir', 'etc/hosts': hex('h'), usr: 'dir', 'usr/bin': 'dir', 'usr/bin/x': hex('x'),
    });
    assert.equal(files.get('etc')?.mode, 0o700);
    assert.equal(files.get('usr/bin')?.mode, 0o755);
    assert.equal(files.get('bin/sh')?.mode, 0o4755);
    assert.deepEqual(files.get('etc/hosts'), { path: 'etc/hosts', type: 'file', mode: 0o644, size: 1, sha256: hex('h') });
    assert.deepEqual(files.files.map((f) => f.path), ['bin', 'bin/sh', 'etc', 'etc/hosts', 'usr', 'usr/bin', 'usr/bin/x']);
  });

  it('lets a later layer overwrite a file, with its new content and mode', async () => {
    const files = await flat([file('a', 'old')], [file('a', 'new', 0o600)]);
    assert.deepEqual(files.get('a'), { path: 'a', type: 'file', mode: 0o600, size: 3, sha256: hex('new') });
  });

  it('removes a file whited out by a later layer, and never lists the whiteout', async () => {
    const files = await flat([file('etc/a', 'a'), file('etc/b', 'b')], [file('etc/.wh.a', '')]);
    assert.deepEqual(view(files), { etc: 'dir', 'etc/b': hex('b') });
  });

  it('removes a whited-out directory with everything below it', async () => {
    const files = await flat([file('d/x', 'x'), file('d/sub/y', 'y'), file('keep', 'k')], [file('.wh.d', '')]);
    assert.deepEqual(view(files), { keep: hex('k') });
  });

  it('applies an opaque directory to lower layers only, before or after its siblings in the archive', async () => {
    const lower = [file('d/x', 'x'), file('d/sub/y', 'y'), file('e/z', 'z')];
    const before = await flat(lower, [dir('d/'), file('d/.wh..wh..opq', ''), file('d/new', 'n')]);
    const after = await flat(lower, [dir('d/'), file('d/new', 'n'), file('d/.wh..wh..opq', '')]);
    const expected = { d: 'dir', 'd/new': hex('n'), e: 'dir', 'e/z': hex('z') };
    assert.deepEqual(view(before), expected);
    assert.deepEqual(view(after), expected);
  });

  it('clears the whole lower filesystem with an opaque marker at the root', async () => {
    const files = await flat([file('a', 'a'), file('b/c', 'c')], [file('.wh..wh..opq', ''), file('n', 'n')]);
    assert.deepEqual(view(files), { n: hex('n') });
  });

  it('refuses a whiteout of an entry of its own layer (only a later layer can hide it; containerd\'s appliers disagree)', async () => {
    await assertCairnError(() => flat([file('x', 'old')], [file('x', 'new'), file('.wh.x', '')]), 'ARCHIVE_INVALID', /whites out "x", which this layer wrote/);
  });

  it('replaces a directory by a file (dropping its subtree) and a file by a directory', async () => {
    const files = await flat([file('d/x', 'x'), file('f', 'f')], [file('d', 'now a file'), dir('f/'), file('f/in', 'i')]);
    assert.deepEqual(view(files), { d: hex('now a file'), f: 'dir', 'f/in': hex('i') });
  });

  it('keeps the children of a directory re-declared above them, taking its new mode', async () => {
    const files = await flat([dir('d/', 0o755), file('d/x', 'x')], [dir('d/', 0o700)]);
    assert.deepEqual(view(files), { d: 'dir', 'd/x': hex('x') });
    assert.equal(files.get('d')?.mode, 0o700);
  });

  it('keeps the last of duplicate entries in one layer, as extraction would', async () => {
    const files = await flat([file('x', 'first'), file('x', 'second'), dir('y/'), file('y/in', 'i'), file('y', 'file now')]);
    assert.deepEqual(view(files), { x: hex('second'), y: hex('file now') });
  });

  it('normalises ./, // and inner .. and treats absolute names as relative to the root', async () => {
    const files = await flat([file('./a//b/./c', 'c'), file('/etc/hosts', 'h'), file('x/../y', 'y'), dir('./')]);
    assert.deepEqual(view(files), { a: 'dir', 'a/b': 'dir', 'a/b/c': hex('c'), etc: 'dir', 'etc/hosts': hex('h'), y: hex('y') });
  });

  it('extracts what is below .wh..wh.* directories, and reads .wh..wh.<x> as a whiteout of .wh.<x>, as containerd does', async () => {
    const files = await flat([file('a', 'a'), file('.wh.aufs/x', 'x')], [dir('.wh..wh.plnk/'), file('.wh..wh.plnk/1.2', 'p'), file('.wh..wh.aufs', '')]);
    assert.deepEqual(view(files), { a: hex('a'), '.wh..wh.plnk': 'dir', '.wh..wh.plnk/1.2': hex('p') });
  });

  it('reports the layers in order with their diff_ids', async () => {
    const t1 = await tarOf([file('a', 'a')]);
    const t2 = await tarOf([file('b', 'b')]);
    const seen: number[] = [];
    const files = await flattenLayers([layerOf(t1), layerOf(t2)], { onLayer: (_r, i) => seen.push(i) });
    assert.deepEqual(files.diffIds, [`sha256:${hex(t1)}`, `sha256:${hex(t2)}`]);
    assert.deepEqual(files.layers.map((l) => [l.compression, l.entries, l.uncompressedSize]), [['none', 1, t1.length], ['none', 1, t2.length]]);
    assert.deepEqual(seen, [0, 1]);
  });
});

describe('image flattening: links, devices and artifacts', () => {
  it('resolves a hard link to a file of the same layer to that content', async () => {
    const files = await flat([file('a', 'content', 0o755), hardlink('b', 'a')]);
    assert.deepEqual(files.get('b'), { path: 'b', type: 'hardlink', mode: 0o755, size: 7, sha256: hex('content'), linkname: 'a' });
  });

  it('resolves a hard link as its target is at that point of the stack, and refuses one to a lower layer', async () => {
    const files = await flat([file('a', 'v0')], [file('a', 'v1'), hardlink('b', '/a'), file('a', 'v2')], [file('a', 'v3')]);
    assert.equal(files.get('b')?.sha256, hex('v1'));
    assert.equal(files.get('a')?.sha256, hex('v3'));
    await assertCairnError(() => flat([file('a', 'v1')], [hardlink('b', '/a')]), 'ARCHIVE_INVALID', /a file of a lower layer/);
  });

  it('rejects a hard link out of the root, to a missing target, to a directory, or through a symlink', async () => {
    await assertCairnError(() => flat([hardlink('b', '../etc/passwd')]), 'UNSAFE_PATH', /tar entry "b" .*"\.\.\/etc\/passwd".* escapes the image root/);
    await assertCairnError(() => flat([hardlink('b', 'nope')]), 'ARCHIVE_INVALID', /hard link to "nope", which does not exist/);
    await assertCairnError(() => flat([file('later', 'x')], [hardlink('b', 'later/x')]), 'ARCHIVE_INVALID', /does not exist/);
    await assertCairnError(() => flat([dir('d/'), hardlink('b', 'd')]), 'ARCHIVE_INVALID', /a directory/);
    await assertCairnError(() => flat([symlink('s', '/etc'), hardlink('b', 's/passwd')]), 'UNSAFE_PATH', /goes through the symlink "s"/);
    await assertCairnError(() => flat([hardlink('b', 'b')]), 'ARCHIVE_INVALID', /itself/);
  });

  it('copies a hard link to a symlink or a device as that symlink or device', async () => {
    const files = await flat([symlink('s', 'target'), { name: 'null', type: 'char' }, hardlink('s2', 's'), hardlink('null2', 'null')]);
    assert.deepEqual(files.get('s2'), { path: 's2', type: 'symlink', mode: 0o644, size: 6, linkname: 'target' });
    assert.equal(files.get('null2')?.type, 'char');
  });

  it('records symlinks (relative, absolute, dangling, pointing outside) as artifacts, never followed out of the image', async () => {
    const files = await flat([file('usr/bin/python3.11', 'py'), symlink('usr/bin/python3', 'python3.11'), symlink('etc/mtab', '/proc/self/mounts'), symlink('dangling', 'nowhere'), symlink('out', '../../../etc/shadow')]);
    assert.deepEqual(files.get('usr/bin/python3'), { path: 'usr/bin/python3', type: 'symlink', mode: 0o644, size: 10, linkname: 'python3.11', sha256: hex('py'), resolved: 'usr/bin/python3.11' });
    assert.equal(files.get('etc/mtab')?.linkname, '/proc/self/mounts');
    assert.equal(files.get('out')?.linkname, '../../../etc/shadow');
    assert.deepEqual({ ...files.toArtifactMap() }, {
      'usr/bin/python3.11': { sha256: hex('py') },
      'usr/bin/python3': { sha256: hex('py') },
      'etc/mtab': { symlink: '/proc/self/mounts' },
      dangling: { symlink: 'nowhere' },
      out: { symlink: '../../../etc/shadow' },
    });
  });

  it('records device files and fifos with their type and mode, never hashed, not artifacts', async () => {
    const files = await flat([{ name: 'dev/null', type: 'char', mode: 0o666 }, { name: 'dev/sda', type: 'block', mode: 0o660 }, { name: 'run/fifo', type: 'fifo', mode: 0o600 }]);
    assert.deepEqual(files.get('dev/null'), { path: 'dev/null', type: 'char', mode: 0o666, size: 0 });
    assert.deepEqual(files.get('dev/sda'), { path: 'dev/sda', type: 'block', mode: 0o660, size: 0 });
    assert.deepEqual(files.get('run/fifo'), { path: 'run/fifo', type: 'fifo', mode: 0o600, size: 0 });
    assert.deepEqual(Object.keys(files.toArtifactMap()), []);
  });

  it('gives in-toto artifacts for regular files and hard links, safe for any name', async () => {
    const files = await flat([file('__proto__', 'p'), file('a b/ü', 'u'), hardlink('h', '__proto__'), dir('d/'), file('empty', '')]);
    const map = files.toArtifactMap();
    assert.equal(Object.getPrototypeOf(map), null);
    assert.deepEqual(Object.entries(map).sort(), [
      ['__proto__', { sha256: hex('p') }],
      ['a b/ü', { sha256: hex('u') }],
      ['empty', { sha256: hex('') }],
      ['h', { sha256: hex('p') }],
    ]);
  });
});

describe('image flattening: unsafe entries', () => {
  it('rejects ../ escapes and absolute names that climb out, naming the layer and entry', async () => {
    await assertCairnError(() => flat([file('../evil', 'x')]), 'UNSAFE_PATH', /layer sha256:[0-9a-f]{64}: tar entry "\.\.\/evil" at byte 0 escapes the image root/);
    await assertCairnError(() => flat([file('a/../../evil', 'x')]), 'UNSAFE_PATH', unsafe);
    await assertCairnError(() => flat([file('/../etc/passwd', 'x')]), 'UNSAFE_PATH', unsafe);
  });

  it('rejects an entry through a symlink planted in an earlier layer', async () => {
    await assertCairnError(() => flat([symlink('a', '/etc')], [file('a/passwd', 'root::0:0')]), 'UNSAFE_PATH', /tar entry "a\/passwd" goes through the symlink "a" -> "\/etc"/);
  });

  it('rejects an entry through a symlink planted earlier in the same layer, even one pointing inside', async () => {
    await assertCairnError(() => flat([symlink('a', '/etc'), file('a/passwd', 'x')]), 'UNSAFE_PATH', unsafe);
    await assertCairnError(() => flat([dir('usr/bin/'), symlink('bin', 'usr/bin'), file('bin/sh', 'x')]), 'UNSAFE_PATH', /"bin" -> "usr\/bin"/);
    await assertCairnError(() => flat([symlink('a', '.'), dir('a/b/')]), 'UNSAFE_PATH', unsafe);
  });

  it('accepts an entry below a symlink the same layer replaced by a directory first', async () => {
    const files = await flat([symlink('a', '/etc')], [dir('a/'), file('a/passwd', 'x')]);
    assert.deepEqual(view(files), { a: 'dir', 'a/passwd': hex('x') });
  });

  it('rejects whiteouts and opaque markers that would act through a symlink', async () => {
    const lower = [file('etc/passwd', 'p'), symlink('a', '/etc')];
    await assertCairnError(() => flat(lower, [file('a/.wh.passwd', '')]), 'UNSAFE_PATH', /tar entry "a\/\.wh\.passwd" goes through the symlink "a"/);
    await assertCairnError(() => flat(lower, [file('a/.wh..wh..opq', '')]), 'UNSAFE_PATH', unsafe);
  });

  it('rejects markers behind a symlink the same layer wrote before them, as a runtime would follow it', async () => {
    const lower = [file('etc/passwd', 'p')];
    await assertCairnError(() => flat(lower, [symlink('a', '/etc'), file('a/.wh.passwd', '')]), 'UNSAFE_PATH', /tar entry "a\/\.wh\.passwd" goes through the symlink "a" -> "\/etc"/);
    await assertCairnError(() => flat(lower, [symlink('a', 'etc'), file('a/.wh..wh..opq', '')]), 'UNSAFE_PATH', unsafe);
    await assertCairnError(() => flat([...lower, symlink('a', 'x')], [symlink('a', 'etc'), file('a/.wh.passwd', '')]), 'UNSAFE_PATH', /-> "etc"/);
    const markerFirst = await flat(lower, [file('a/.wh.passwd', ''), symlink('a', 'etc')]);
    assert.deepEqual(view(markerFirst), { a: '->etc', etc: 'dir', 'etc/passwd': hex('p') });
  });

  it('lets a symlink turned into an opaque directory hide nothing behind the old link', async () => {
    const files = await flat([file('etc/passwd', 'p'), symlink('a', 'etc')], [dir('a/'), file('a/.wh..wh..opq', ''), file('a/x', 'x')]);
    assert.deepEqual(view(files), { a: 'dir', 'a/x': hex('x'), etc: 'dir', 'etc/passwd': hex('p') });
  });

  it('removes a whited-out symlink itself, not what it points at', async () => {
    const files = await flat([file('etc/passwd', 'p'), symlink('a', 'etc/passwd')], [file('.wh.a', '')]);
    assert.deepEqual(view(files), { etc: 'dir', 'etc/passwd': hex('p') });
  });

  it('rejects whiteouts of .. and ., and a whiteout without a name', async () => {
    await assertCairnError(() => flat([file('a/.wh...', '')]), 'UNSAFE_PATH', /whites out "\.\."/);
    await assertCairnError(() => flat([file('.wh..', '')]), 'UNSAFE_PATH', /whites out "\."/);
    await assertCairnError(() => flat([file('a/.wh.', '')]), 'ARCHIVE_INVALID', /whiteout without a name/);
  });

  it('rejects an entry below a regular file, and a non-directory root', async () => {
    await assertCairnError(() => flat([file('f', 'x')], [file('f/g', 'y')]), 'ARCHIVE_INVALID', /below "f", which is not a directory/);
    await assertCairnError(() => flat([symlink('./', 'elsewhere')]), 'ARCHIVE_INVALID', /replaces the image root/);
  });

  it('rejects an unknown layer media type', async () => {
    const layer = layerOf(await tarOf([file('a', 'a')]), 'application/vnd.example.layer');
    await assertCairnError(() => flattenLayers([layer]), 'UNSUPPORTED', /layer media type "application\/vnd\.example\.layer"/);
  });

  it('checks diff_ids: a layer whose uncompressed content differs, or a count that differs', async () => {
    const t1 = await tarOf([file('a', 'a')]);
    const t2 = await tarOf([file('b', 'b')]);
    await assertCairnError(
      () => flattenLayers([layerOf(t1), layerOf(t2)], { diffIds: [`sha256:${hex(t1)}`, `sha256:${hex(t1)}`] }),
      'DIGEST_MISMATCH',
      /^layer 1 \(sha256:[0-9a-f]+\): uncompressed content is sha256:/,
    );
    await assertCairnError(() => flattenLayers([layerOf(t1)], { diffIds: [] }), 'DIGEST_MISMATCH', /more layers/);
    await assertCairnError(() => flattenLayers([layerOf(t1)], { diffIds: [`sha256:${hex(t1)}`, `sha256:${hex(t2)}`] }), 'DIGEST_MISMATCH', /1 layers, its config lists 2/);
  });
});
