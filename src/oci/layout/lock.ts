import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CairnError, fsError } from '../../errors.js';

// Cross-process mutual exclusion for an OCI layout's index.json: a lock file holding
// `pid host time`, written to a private file first and hard-linked into place (link fails if
// the lock exists), so a lock is never seen empty: a process killed between an O_EXCL create
// and its write used to leave an empty lock that every waiter took for a live one. A lock whose
// process is gone (same host) or that is older than `staleMs` is stale: it is renamed away (only
// one contender's rename succeeds) and the acquisition retried. Within one process, callers are
// already queued (see index-file.ts).

export interface LockOptions {
  /** Give up after this long (ms). */
  timeoutMs?: number;
  /** A lock older than this (ms) is taken over even if its owner seems alive. */
  staleMs?: number;
}

/** Runs `fn` while holding the lock file at `path`. */
export async function withLockFile<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const { timeoutMs = 30_000, staleMs = 60_000 } = options;
  const started = Date.now();
  let delay = 5;
  for (;;) {
    if (tryCreate(path)) break;
    if (isStale(path, staleMs)) {
      breakLock(path);
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new CairnError('IO_ERROR', `lock held by another process for more than ${timeoutMs} ms (remove it if no cairn is running)`, { where: path });
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 200);
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(path);
    } catch {
      // taken over as stale by another process; nothing to release
    }
  }
}

/** An empty lock older than this was left by a writer killed before it wrote its pid. */
const EMPTY_STALE_MS = 2000;

function tryCreate(path: string): boolean {
  const mine = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(mine, `${process.pid} ${hostname()} ${Date.now()}\n`, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    throw fsError(err, mine, 'cannot create lock');
  }
  try {
    linkSync(mine, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // a file system without hard links: an exclusive create, written at once
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return tryCreateExclusive(path);
    throw fsError(err, path, 'cannot create lock');
  } finally {
    try {
      unlinkSync(mine);
    } catch {
      // already gone
    }
  }
}

function tryCreateExclusive(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fsError(err, path, 'cannot create lock');
  }
  try {
    writeSync(fd, `${process.pid} ${hostname()} ${Date.now()}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function isStale(path: string, staleMs: number): boolean {
  try {
    const age = Date.now() - statSync(path).mtimeMs;
    if (age > staleMs) return true;
    const [pid, host] = readFileSync(path, 'utf8').split(' ');
    if (!pid) return age > EMPTY_STALE_MS;
    if (host !== hostname()) return false;
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ESRCH';
  }
}

function breakLock(path: string): void {
  const moved = `${path}.stale-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, moved);
    unlinkSync(moved);
  } catch {
    // another contender broke it first, or the owner released it
  }
}
