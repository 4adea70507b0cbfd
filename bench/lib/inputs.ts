import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, writeSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/helpers/paths.js';

// Deterministic bench inputs, generated once into bench/.cache and reused: the content of file
// i is a pure function of (tree name, i), so every machine benchmarks the same bytes.
// CAIRN_BENCH_CACHE moves the cache (several checkouts can share its ~3.6 GB).

export const CACHE = process.env.CAIRN_BENCH_CACHE || join(REPO_ROOT, 'bench', '.cache');

/** Pseudo-random bytes from a seed (sha256 in counter mode: fast enough, and reproducible). */
export function seededBytes(seed: string, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let off = 0;
  for (let ctr = 0; off < size; ctr++) {
    const block = createHash('sha256').update(`${seed}:${ctr}`).digest();
    off += block.copy(out, off, 0, Math.min(32, size - off));
  }
  return out;
}

/** A tree of `files` files of `size` bytes, `perDir` per directory; returns its path. */
export function tree(name: string, files: number, size: number, perDir = 1000): string {
  const root = join(CACHE, name);
  if (existsSync(root)) return root;
  const tmp = `${root}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const unit = seededBytes(name, size + 4096);
  for (let i = 0; i < files; i++) {
    const dir = join(tmp, `d${String(Math.floor(i / perDir)).padStart(3, '0')}`);
    if (i % perDir === 0) mkdirSync(dir, { recursive: true });
    // distinct content per file: a rotating window over the unit block plus the index
    const body = Buffer.concat([Buffer.from(`${i}\n`), unit.subarray(i % 4096, (i % 4096) + size - 8)]).subarray(0, size);
    writeFileSync(join(dir, `f${String(i).padStart(6, '0')}.bin`), body);
  }
  renameSync(tmp, root);
  return root;
}

/** One big file of `mib` MiB; returns its path. */
export function bigFile(name: string, mib: number): string {
  const path = join(CACHE, name);
  if (existsSync(path)) return path;
  mkdirSync(CACHE, { recursive: true });
  const fd = openSync(`${path}.tmp`, 'w');
  const block = seededBytes(name, 1 << 20);
  for (let i = 0; i < mib; i++) {
    block.writeUInt32LE(i, 0); // every MiB differs
    writeSync(fd, block);
  }
  closeSync(fd);
  renameSync(`${path}.tmp`, path);
  return path;
}

/** The bench's ed25519 signing key, a securesystemslib key file made once by in-toto-keygen. */
export function benchKey(): string {
  const path = join(CACHE, 'keys', 'bench-ed25519');
  if (existsSync(path)) return path;
  mkdirSync(join(CACHE, 'keys'), { recursive: true });
  const r = spawnSync('in-toto-keygen', ['-t', 'ed25519', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`in-toto-keygen: ${r.stderr}`);
  return path;
}
