// Writes layer.tar.zst: a small layer compressed by the real zstd CLI (compressed blocks,
// Huffman literals, FSE sequences), which tests cannot produce without an encoder. The tar is
// cut in two and each half compressed separately (the second with a checksum), so the stream
// has two frames with the split inside an entry. Run from the repository root:
//   node testdata/tars/make-zstd-fixture.mjs   (needs the zstd CLI and node_modules)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import tarStream from 'tar-stream';

export const lorem = () => Array.from({ length: 6000 }, (_, n) => `line ${n}: the quick brown fox jumps over the lazy dog\n`).join('');
export const tool = () => Buffer.from(Array.from({ length: 40000 }, (_, i) => (i * 7) % 251));

const pack = tarStream.pack();
const chunks = [];
const done = (async () => { for await (const c of pack) chunks.push(c); })();
const add = (h, body) => new Promise((res, rej) => pack.entry({ mtime: new Date(0), mode: 0o644, ...h }, body, (e) => (e ? rej(e) : res())));
await add({ name: 'text', type: 'directory', mode: 0o755 });
await add({ name: 'text/lorem.txt' }, Buffer.from(lorem()));
await add({ name: 'bin/tool', mode: 0o755 }, tool());
await new Promise((res, rej) => pack.entry({ name: 'bin/t', type: 'symlink', linkname: 'tool', mtime: new Date(0) }, (e) => (e ? rej(e) : res())));
pack.finalize();
await done;
const tar = Buffer.concat(chunks);
const cut = 100_000;
const a = execFileSync('zstd', ['-19', '-c', '--no-check'], { input: tar.subarray(0, cut) });
const b = execFileSync('zstd', ['-3', '-c', '--check'], { input: tar.subarray(cut) });
writeFileSync(new URL('./layer.tar.zst', import.meta.url), Buffer.concat([a, b]));
const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
writeFileSync(new URL('./layer.tar.zst.json', import.meta.url), JSON.stringify({ diffId, uncompressedSize: tar.length }, null, 1) + '\n');
console.log(diffId, tar.length, a.length + b.length);
