import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/helpers/paths.js';

// Whole-process measurements: each run is its own process, timed around the child by a tiny
// Python wrapper that also reads the child's peak RSS and CPU time (getrusage RUSAGE_CHILDREN).

const MEASURE = join(REPO_ROOT, 'bench', 'lib', 'measure.py');

/** A command to time: argv and working directory, and an optional set-up run before each timing. */
export interface Cmd {
  label: string;
  argv: string[];
  cwd: string;
  /** Runs before every timed run, untimed (e.g. empty the output directory). */
  prepare?: () => void | Promise<void>;
  /** Exit codes that count as success (default [0]). */
  okExit?: number[];
  /** At most this many timed runs (for a reference that takes a minute each). */
  maxRuns?: number;
}

export interface Measurement {
  label: string;
  /** Wall seconds of each timed run. */
  runs: number[];
  median: number;
  /** Median CPU seconds (user + system, all threads) of the timed runs. */
  cpu: number;
  maxRssMiB: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs `cmd` once, untimed; throws when it fails. */
export async function runOnce(cmd: Cmd): Promise<{ wall: number; cpu: number; maxrss_kb: number; stderr: string }> {
  await cmd.prepare?.();
  const r = spawnSync('/usr/bin/python3', [MEASURE, cmd.cwd, '--', ...cmd.argv], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`measure.py failed for ${cmd.label}: ${r.stderr}`);
  const m = JSON.parse(r.stdout) as { wall: number; cpu: number; maxrss_kb: number; exit: number; stderr: string };
  if (!(cmd.okExit ?? [0]).includes(m.exit)) throw new Error(`${cmd.label} exited ${m.exit}: ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return m;
}

/** Runs `cmd` `runs` times (after one warm-up) and returns the median wall time and peak RSS. */
export async function measure(cmd: Cmd, runs: number): Promise<Measurement> {
  const times: number[] = [];
  const cpus: number[] = [];
  let rss = 0;
  const n = Math.min(runs, cmd.maxRuns ?? runs);
  for (let i = -1; i < n; i++) {
    const m = await runOnce(cmd);
    if (i >= 0) {
      times.push(m.wall);
      cpus.push(m.cpu);
    }
    rss = Math.max(rss, m.maxrss_kb / 1024);
  }
  return { label: cmd.label, runs: times, median: median(times), cpu: median(cpus), maxRssMiB: rss };
}

/**
 * `node bin/cairn.js ...` as a Cmd argv. CAIRN_BENCH_BIN names another build's bin/cairn.js, so
 * that two commits are measured by the same rows in one sitting (before/after tables).
 */
export function cairnArgv(...args: string[]): string[] {
  return [process.execPath, process.env['CAIRN_BENCH_BIN'] || join(REPO_ROOT, 'bin', 'cairn.js'), ...args];
}
