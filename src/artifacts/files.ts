import { readdirSync, statSync, type Dirent } from 'node:fs';
import { posix, resolve } from 'node:path';
import { CairnError, fsError } from '../errors.js';
import type { ArtifactMap } from '../intoto/index.js';
import { PathSpec } from './gitwildmatch.js';
import { hashFile } from './hash.js';
import { HashPool } from './hash-pool.js';

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

// resolve(base, rel) for an absolute normalised base and a normalised rel: a plain join unless
// rel is absolute or climbs with `..` (100k resolve() calls cost 40 ms on a big tree).
function under(base: string, rel: string): string {
  if (rel.startsWith('/') || rel === '.' || rel === '..' || rel.startsWith('../')) return resolve(base, rel);
  return base === '/' ? `/${rel}` : `${base}/${rel}`;
}

/** Hashes files and directory trees into an artifact map, exactly as in-toto-run records them. */
export function recordArtifacts(paths: readonly string[], options: FileResolverOptions = {}): ArtifactMap {
  const found = collectArtifacts(paths, options);
  return toMap(found, found.files.map((f) => hashFile(f, options.normalizeLineEndings)));
}

/** recordArtifacts with the hashing spread over every core, started while the walk goes on. */
export async function recordArtifactsParallel(paths: readonly string[], options: FileResolverOptions = {}): Promise<ArtifactMap> {
  const pool = new HashPool(options.normalizeLineEndings);
  let found: Collected;
  try {
    found = collectArtifacts(paths, options, (file) => pool.add(file));
  } catch (err) {
    pool.abort();
    throw err;
  }
  return toMap(found, await pool.finish());
}

interface Collected {
  keys: string[];
  files: string[];
}

// Keys are sorted so that the map serialises in sorted order without re-sorting.
function toMap(found: Collected, hashes: string[]): ArtifactMap {
  const order = found.keys.map((_, i) => i).sort((a, b) => (found.keys[a]! < found.keys[b]! ? -1 : 1));
  // null prototype: a file may be called __proto__
  const out: ArtifactMap = Object.create(null);
  for (const i of order) out[found.keys[i]!] = { sha256: hashes[i]! };
  return out;
}

/**
 * The walk of recordArtifacts without the hashing: recorded names and the files behind them.
 * `onFile` is told about each file as it is found (in the order of `files`).
 */
function collectArtifacts(paths: readonly string[], options: FileResolverOptions, onFile?: (file: string) => void): Collected {
  const found: Collected = { keys: [], files: [] };
  const seen = new Set<string>();
  if (paths.length === 0) return found;
  const base = resolve(options.basePath ?? '.');
  if (options.basePath !== undefined && !isDir(base)) {
    throw new CairnError('INVALID_ARGUMENT', 'cannot use as base path: not a directory', { where: options.basePath });
  }
  const patterns = options.excludePatterns && options.excludePatterns.length > 0 ? options.excludePatterns : DEFAULT_EXCLUDE_PATTERNS;
  const spec = new PathSpec([...patterns]);
  const lstrip = options.lstripPaths ?? [];
  checkPrefixes(lstrip);

  const record = (rel: string): void => {
    let key = rel;
    if (lstrip.length > 0) {
      const prefix = lstrip.find((p) => key.startsWith(p));
      if (prefix !== undefined) key = key.slice(prefix.length);
      if (seen.has(key)) {
        throw new CairnError('INVALID_ARGUMENT', `lstrip prefixes make two artifacts both ${JSON.stringify(key)}`);
      }
    }
    // The same path given twice (`-p a a/b`) is recorded once; without lstrip the key is the
    // path, so the file is the one already recorded.
    if (seen.has(key)) return;
    seen.add(key);
    found.keys.push(key);
    const file = under(base, rel);
    found.files.push(file);
    onFile?.(file);
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
  return found;

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
      // rel is normalised and a directory entry is one plain name, so joining them is too
      // (normPath only for a rel that ends in a slash: the root)
      const childRel = rel === '.' ? e.name : rel.endsWith('/') ? normPath(`${rel}/${e.name}`) : `${rel}/${e.name}`;
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
