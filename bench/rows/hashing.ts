import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchKey, bigFile, CACHE, tree } from '../lib/inputs.js';
import { cairnArgv } from '../lib/measure.js';
import type { BenchGroup, BenchRow } from '../lib/row.js';

// `cairn run` hashing products against in-toto-run 1.3.1 (and sha256sum for the big file).
// Both sign with the same securesystemslib ed25519 key made by in-toto-keygen. For the big file
// both run at one core's SHA-256 speed: `openssl dgst -sha256` on the same file, in the same
// sitting, states that floor (issue 19: at most 1.0x in-toto-run there; 10k x 4 KiB at most 0.45x).

function hashRow(id: string, work: string, input: string, ratio: number): BenchRow {
  const k = benchKey();
  const out = join(CACHE, 'out', id);
  const clean = () => {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
  };
  const name = input.split('/').pop()!;
  return {
    id,
    work,
    cairn: { label: 'cairn run', cwd: CACHE, prepare: clean, argv: cairnArgv('run', '-n', 'h', '-k', k, '-x', '-p', name, '-d', out) },
    references: [{ label: 'in-toto-run', cwd: CACHE, prepare: clean, argv: ['in-toto-run', '-n', 'h', '-k', k, '-t', 'ed25519', '-x', '-p', name, '-d', out, '-q'] }],
    target: { ratio },
  };
}

export const hashingGroup: BenchGroup = {
  name: 'hashing',
  async setup(quick) {
    const rows = [
      hashRow('run-100k', quick ? 'cairn run: hash 10k x 1 KiB files' : 'cairn run: hash 100k x 1 KiB files', tree(quick ? 'tree10k-1k' : 'tree100k', quick ? 10_000 : 100_000, 1024), 0.25),
      hashRow('run-10k', quick ? 'cairn run: hash 2k x 4 KiB files' : 'cairn run: hash 10k x 4 KiB files', tree(quick ? 'tree2k' : 'tree10k', quick ? 2000 : 10_000, 4096, 100), 0.45),
    ];
    const big = bigFile(quick ? 'big128m' : 'big1g', quick ? 128 : 1024);
    const row = hashRow('run-1g', `cairn run: hash one ${quick ? '128 MiB' : '1 GiB'} file`, big, 1.0);
    row.references.push({ label: 'openssl dgst -sha256 (the floor)', cwd: CACHE, argv: ['openssl', 'dgst', '-sha256', big] }, { label: 'sha256sum', cwd: CACHE, argv: ['sha256sum', big] });
    rows.push(row);
    return rows;
  },
};
