import { spawn, type ChildProcess } from 'node:child_process';
import { CAIRN_BIN } from './paths.js';

// Spawning bin/cairn.js for the fault, crash and secrets tests: with a deadline (a hang is a
// failure, not a stuck suite), and with a handle to kill -9 the process at a chosen moment.

/** What a bounded cairn run did. */
export interface BoundedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the deadline passed and the process was killed. */
  timedOut: boolean;
}

export interface SpawnOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the process (SIGKILL) after this many ms (default 60 s). */
  deadlineMs?: number;
}

/** A started cairn process: its pid, and a promise of how it ended. */
export interface StartedCairn {
  child: ChildProcess;
  done: Promise<BoundedRun>;
}

/** Starts `node bin/cairn.js ARGS`. */
export function startCairn(args: string[], options: SpawnOptions = {}): StartedCairn {
  const child = spawn(process.execPath, [CAIRN_BIN, ...args], { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.deadlineMs ?? 60_000);
  const done = new Promise<BoundedRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
  });
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(options.input ?? '');
  return { child, done };
}

/** Runs cairn to the end (or its deadline). */
export function runBounded(args: string[], options: SpawnOptions = {}): Promise<BoundedRun> {
  return startCairn(args, options).done;
}
