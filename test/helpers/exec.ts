import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { CAIRN_BIN } from './paths.js';

/** What a finished child process left behind. */
export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a program synchronously and returns its exit status and output (never throws on failure). */
export function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): Ran {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.error) throw r.error;
  return { status: r.status ?? 128, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** Runs the Cairn CLI (bin/cairn.js) in `cwd`. */
export function cairn(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Ran {
  return run(process.execPath, [CAIRN_BIN, ...args], { cwd, env });
}

/** Debian's python3, which has the in_toto 1.3.1 API (the first python3 on PATH may be another). */
export const DEBIAN_PYTHON = '/usr/bin/python3';
