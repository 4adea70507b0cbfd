import { closeSync, openSync, readdirSync, readSync, statSync, type Dirent } from 'node:fs';
import { createHash } from 'node:crypto';
import { posix, resolve } from 'node:path';
import { CairnError, fsError } from '../errors.js';
import type { ArtifactMap } from '../intoto/index.js';
import { PathSpec } from './gitwildmatch.js';

// in-toto's file resolver (runlib.record_artifacts_as_dict in in-toto 1.3.1), reproduced path
// for path so that links recorded by Cairn and by in-toto-run name the same artifacts:
// arguments are normalised, directories walked (symlinked directories only when asked, symlinked
// files always hashed, dangling links skipped), exclude patterns applied to arguments, directories
// and files, lstrip prefixes removed with an error on collisions.
// Hashing is synchronous on purpose: for many small files readSync beats thousands of promises
// through libuv's pool by 2-4x (see ../shared/BASELINES.md).

/** in-toto's default excludes (in_toto/settings.py ARTIFACT_EXCLUDE_PATTERNS). */
export const DEFAULT_EXCLUDE_PATTERNS: readonly string[] = ['*.link*', '.git', '*.pyc', '*~'];

export interface FileResolverOptions {
  /** Directory the paths are relative to (in-toto `--base-path`); recorded paths omit it. */
  basePath?: string;
  /** gitignore-style patterns; replaces the defaults when given (as in-toto does). */
  excludePatterns?: readonly string[];
  /** Prefixes stripped from recorded paths (in-toto `--lstrip-paths`). */
  lstripPaths?: readonly string[];
  /** Descend into symlinked directories (in-toto `--follow-symlink-dirs`). */
  followSymlinkDirs?: boolean;
  /** Hash with CRLF and CR replaced by LF (in-toto `--normalize-line-endings`). */
  normalizeLineEndings?: boolean;
  /** Told about paths that do not exist (in-toto skips them with a log line). */
  onSkip?: (path: string, reason: string) => void;
}

/** Python's os.path.normpath for POSIX paths. */
export function normPath(p: string): string {
  if (p === '') return '.';
  const n = posix.normalize(p);
  const leading = n.startsWith('//') && !n.startsWith('///') ? '//' : '';
  const stripped = n.length > 1 ? n.replace(/\/+$/, '') : n;
  return leading && !stripped.startsWith('//') ? `/${stripped}` : stripped;
}

const CHUNK = 1 << 20;
let scratch: Buffer | undefined;

/** sha256 of a file's contents (optionally with line endings normalised), read synchronously. */
export function hashFile(path: string, normalizeLineEndings = false): string {
  const hash = createHash('sha256');
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw fsError(err, path);
  }
  try {
    if (normalizeLineEndings) {
      const parts: Buffer[] = [];
      for (;;) {
        const buf = Buffer.allocUnsafe(CHUNK);
        const n = readSync(fd, buf, 0, CHUNK, null);
        if (n === 0) break;
        parts.push(buf.subarray(0, n));
      }
      const text = Buffer.concat(parts).toString('latin1').replace(/\r\n?/g, '\n');
      hash.update(Buffer.from(text, 'latin1'));
    } else {
      scratch ??= Buffer.allocUnsafe(CHUNK);
      for (;;) {
        const n = readSync(fd, scratch, 0, CHUNK, null);
        if (n === 0) break;
        hash.update(n === CHUNK ? scratch : scratch.subarray(0, n));
      }
    }
  } catch (err) {
    throw fsError(err, path);
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function checkPrefixes(prefixes: readonly string[]): void {
  for (let i = 0; i < prefixes.length; i++) {
    for (let j = i + 1; j < prefixes.length; j++) {
      const a = prefixes[i]!;
      const b = prefixes[j]!;
      if (a.startsWith(b) || b.startsWith(a)) {
        throw new CairnError('INVALID_ARGUMENT', `lstrip prefixes ${JSON.stringify(a)} and ${JSON.stringify(b)} overlap`);
      }
    }
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function dirId(path: string): string {
  const st = statSync(path);
  return `${st.dev}:${st.ino}`;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Hashes files and directory trees into an artifact map, exactly as in-toto-run records them. */
export function recordArtifacts(paths: readonly string[], options: FileResolverOptions = {}): ArtifactMap {
  const out: ArtifactMap = {};
  if (paths.length === 0) return out;
  const base = resolve(options.basePath ?? '.');
  if (options.basePath !== undefined && !isDir(base)) {
    throw new CairnError('INVALID_ARGUMENT', 'cannot use as base path: not a directory', { where: options.basePath });
  }
  const patterns = options.excludePatterns && options.excludePatterns.length > 0 ? options.excludePatterns : DEFAULT_EXCLUDE_PATTERNS;
  const spec = new PathSpec([...patterns]);
  const lstrip = options.lstripPaths ?? [];
  checkPrefixes(lstrip);
  const normalize = options.normalizeLineEndings ?? false;

  const record = (rel: string): void => {
    let key = rel;
    if (lstrip.length > 0) {
      const prefix = lstrip.find((p) => key.startsWith(p));
      if (prefix !== undefined) key = key.slice(prefix.length);
      if (Object.prototype.hasOwnProperty.call(out, key)) {
        throw new CairnError('INVALID_ARGUMENT', `lstrip prefixes make two artifacts both ${JSON.stringify(key)}`);
      }
    }
    out[key] = { sha256: hashFile(resolve(base, rel), normalize) };
  };

  // Real directories on the current walk path, so that a symlink loop is walked once, not forever.
  const onPath = new Set<string>();
  const args = [...new Set(paths.map(normPath))].filter((p) => !spec.matches(p)).sort();
  for (const arg of args) {
    const abs = resolve(base, arg);
    if (isFile(abs)) record(arg);
    else if (isDir(abs)) walk(arg, abs);
    else options.onSkip?.(arg, 'does not exist');
  }
  return out;

  function walk(rel: string, abs: string): void {
    const id = dirId(abs);
    if (onPath.has(id)) {
      options.onSkip?.(rel, 'symlink loop');
      return;
    }
    onPath.add(id);
    try {
      walkEntries(rel, abs);
    } finally {
      onPath.delete(id);
    }
  }

  function walkEntries(rel: string, abs: string): void {
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch (err) {
      throw fsError(err, abs, 'cannot list directory');
    }
    const dirs: string[] = [];
    for (const e of entries) {
      const childRel = normPath(rel === '.' ? e.name : `${rel}/${e.name}`);
      let dir = e.isDirectory();
      let file = e.isFile();
      if (e.isSymbolicLink()) {
        // os.walk lists a symlink to a directory among dirs (descending only with followlinks)
        // and any other symlink among files, where the isfile() check drops dangling ones.
        const target = resolve(abs, e.name);
        dir = isDir(target);
        file = !dir && isFile(target);
        if (dir && !options.followSymlinkDirs) continue;
        if (!dir && !file) {
          options.onSkip?.(childRel, 'dangling symlink');
          continue;
        }
      } else if (!dir && !file) {
        continue; // sockets, fifos, devices: os.path.isfile is false
      }
      if (spec.matches(childRel)) continue;
      if (dir) dirs.push(childRel);
      else record(childRel);
    }
    for (const d of dirs) walk(d, resolve(base, d));
  }
}
