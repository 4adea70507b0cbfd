import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/helpers/paths.js';

// Whole-process measurements: each run is its own process, timed around the child by a tiny
// Python wrapper that also reads the child's peak RSS (getrusage RUSAGE_CHILDREN).

const MEASURE = join(REPO_ROOT, 'bench', 'lib', 'measure.py');

/** A command to time: argv and working directory, and an optional set-up run before each timing. */
export interface Cmd {
  label: string;
  argv: string[];
  cwd: string;
  /** Runs before every timed run, untimed (e.g. empty the output directory). */
  prepare?: () => void;
  /** Exit codes that count as success (default [0]). */
  okExit?: number[];
}

export interface Measurement {
  label: string;
  runs: number[];
  median: number;
  maxRssMiB: number;
}

/** Runs `cmd` `runs` times (after one warm-up) and returns the median wall time and peak RSS. */
export function measure(cmd: Cmd, runs: number): Measurement {
  const times: number[] = [];
  let rss = 0;
  for (let i = -1; i < runs; i++) {
    cmd.prepare?.();
    const r = spawnSync('/usr/bin/python3', [MEASURE, cmd.cwd, '--', ...cmd.argv], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`measure.py failed for ${cmd.label}: ${r.stderr}`);
    const m = JSON.parse(r.stdout) as { wall: number; maxrss_kb: number; exit: number; stderr: string };
    if (!(cmd.okExit ?? [0]).includes(m.exit)) throw new Error(`${cmd.label} exited ${m.exit}: ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    if (i >= 0) times.push(m.wall);
    rss = Math.max(rss, m.maxrss_kb / 1024);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { label: cmd.label, runs: times, median: sorted[Math.floor(sorted.length / 2)]!, maxRssMiB: rss };
}

/** `node bin/cairn.js ...` as a Cmd argv. */
export function cairnArgv(...args: string[]): string[] {
  return [process.execPath, join(REPO_ROOT, 'bin', 'cairn.js'), ...args];
}

export const BENCH_DIR = fileURLToPath(new URL('../../../bench/', import.meta.url));
