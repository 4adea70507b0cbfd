import { closeSync, linkSync, lstatSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CairnError, fsError } from '../../errors.js';

// Cross-process mutual exclusion for an OCI layout's index.json (within one process, callers
// are already queued: index-file.ts). The lock is the file `index.json.lock`; each holding is
// an *instance* whose content `pid host start nonce` is unique (start: the process's start time
// from /proc, so that a reused pid is not taken for the owner; nonce: 16 random hex digits).
// It is written to a private file first and hard-linked into place, so it is never seen empty
// (a file system without hard links gets an exclusive create, written at once).
//
// Taking over the lock of a dead writer is where the old scheme lost updates: two waiters
// judged the same dead lock stale, one removed it and took the lock, and the other then
// removed the lock just taken (a path names whatever is there now, not what was judged).
// Now an instance I is removed only by
//   (a) its owner, on release, or
//   (b) the one process that holds a *claim* on I: the file `index.json.lock.break-<id of I>-<k>`
//       created exclusively (hard link or O_EXCL), at level k = 1, or at level k+1 only once
//       the holder of level k is dead.
// and a claimer removes the lock only if, after winning its claim, it reads the lock again and
// finds I itself there (same content, same inode). Claim files of I are deleted only by a
// claimer that has removed I or seen it gone.
// Why this is safe. While I is in place: its owner is dead and a dead process never acts again;
// claims of I only accumulate (none is deleted while I is in place), each level is held by at
// most one process, and a level above another is taken only once the holder below is dead. So
// at most one live process holds a claim of I, and only it can remove I. No new lock can be
// created while I is in place. Hence between that claimer's re-read (I is there) and its
// unlink, nothing can change the lock: the unlink removes I and nothing else. Once I is gone it
// never comes back (instances are unique), so a late claimer's re-read sees another instance
// and leaves it alone. A live owner's lock is never taken over on its own host.
// What "dead" means: on this host, the pid no longer exists (kill(pid, 0) is ESRCH), is a
// zombie, or is another process now (its start time differs). A lock written on another host
// (a shared file system) cannot be checked: it is taken for dead once older than `staleMs`,
// which assumes no writer holds the lock that long (a write of index.json takes milliseconds).
// That assumption is the one case the argument above does not cover.

export interface LockOptions {
  /** Give up after this long (ms). */
  timeoutMs?: number;
  /** A lock written on another host and older than this (ms) is taken for its owner's leftover. */
  staleMs?: number;
}

/** An empty lock older than this was left by a writer killed before it wrote (no hard links only). */
const EMPTY_STALE_MS = 2000;
/** Claim levels tried for one lock before waiting again (each needs the one below dead). */
const MAX_CLAIM_LEVELS = 16;

/** Runs `fn` while holding the lock file at `path`. */
export async function withLockFile<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const { timeoutMs = 30_000, staleMs = 60_000 } = options;
  const mine = ownContent();
  const started = Date.now();
  let delay = 1;
  for (;;) {
    // a waiter reads the lock first: creating (and removing) a private copy on every poll
    // would cost every waiter two file system writes while the holder works
    const seen = readInstance(path);
    if (!seen) {
      if (tryCreate(path, mine)) break;
      continue;
    }
    if (isDead(seen, staleMs)) {
      takeOver(path, seen, mine, staleMs);
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new CairnError('IO_ERROR', `lock held by another process for more than ${timeoutMs} ms (remove it if no cairn is running)`, { where: path });
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 10);
  }
  try {
    return await fn();
  } finally {
    const now = readInstance(path);
    if (now && now.text === mine) unlinkQuietly(path);
  }
}

/** What a lock (or claim) file held when read: its content and inode. */
export interface Instance {
  text: string;
  ino: number;
  mtimeMs: number;
}

/** Reads a lock (or claim) file; undefined when there is none. Exported for tests. */
export function readInstance(path: string): Instance | undefined {
  try {
    const st = lstatSync(path);
    if (!st.isFile()) throw new CairnError('UNSAFE_PATH', 'not a regular file; remove it if no cairn is running', { where: path });
    const text = readFileSync(path, 'utf8');
    return { text, ino: st.ino, mtimeMs: st.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err instanceof CairnError ? err : fsError(err, path, 'cannot read lock');
  }
}

let startTime: string | undefined;

// This process's lock content: pid, host, start time (or '-'), nonce.
function ownContent(): string {
  startTime ??= startTimeOf(process.pid) ?? '-';
  return `${process.pid} ${hostname()} ${startTime} ${randomBytes(8).toString('hex')}\n`;
}

// A process's start time (clock ticks since boot, /proc/PID/stat field 22), 'Z' for a zombie.
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? 'Z' : fields[19];
  } catch {
    return undefined;
  }
}

function isDead(seen: Instance, staleMs: number): boolean {
  const age = Date.now() - seen.mtimeMs;
  // `pid host start nonce`; older versions wrote `pid host time`, whose third field is no start time
  const [pid, host, start, nonce] = seen.text.trim().split(' ');
  if (!pid) return age > EMPTY_STALE_MS;
  if (host !== hostname()) return age > staleMs;
  try {
    process.kill(Number(pid), 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  // the pid exists: a zombie, or another process with a reused pid? (read /proc only for a lock
  // held longer than an update takes, so that waiters polling a busy lock stay cheap)
  if (age < 100) return false;
  const now = startTimeOf(Number(pid));
  if (now === 'Z') return true;
  return nonce !== undefined && start !== '-' && now !== undefined && now !== start;
}

/** Removes the dead instance `seen` if this process wins the claim on it (see the comment at the top). Exported for tests. */
export function takeOver(path: string, seen: Instance, mine: string = ownContent(), staleMs = 60_000): void {
  const id = createHash('sha256').update(`${seen.ino} ${seen.text}`).digest('hex').slice(0, 16);
  const claim = (level: number) => `${path}.break-${id}-${level}`;
  for (let level = 1; level <= MAX_CLAIM_LEVELS; level++) {
    if (tryCreate(claim(level), mine)) {
      const now = readInstance(path);
      if (now && now.text === seen.text && now.ino === seen.ino) {
        try {
          unlinkSync(path);
        } catch (err) {
          // the claims stay: I may still be in place (the sweep removes them an hour later)
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(err, path, 'cannot remove a dead lock');
        }
      }
      // I is gone (removed here, or seen gone): its claims may go
      for (let k = 1; k <= level; k++) unlinkQuietly(claim(k));
      return;
    }
    const holder = readInstance(claim(level));
    if (!holder || !isDead(holder, staleMs)) return; // finished, or a live claimer is on it
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

// Creates `path` holding `content`, atomically and only if it does not exist.
function tryCreate(path: string, content: string): boolean {
  const privateCopy = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(privateCopy, content, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    throw fsError(err, privateCopy, 'cannot create lock');
  }
  try {
    linkSync(privateCopy, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // a file system without hard links: an exclusive create, written at once
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return tryCreateExclusive(path, content);
    throw fsError(err, path, 'cannot create lock');
  } finally {
    unlinkQuietly(privateCopy);
  }
}

function tryCreateExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fsError(err, path, 'cannot create lock');
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}
