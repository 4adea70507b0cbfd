import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

// A writer killed mid-way (kill -9, a crash, a full disk) leaves its temp files behind: an
// ingest/ file that never became a blob, a `.index.json.tmp-*` that was never renamed, a lock
// renamed away to be broken (older versions), a lock's private copy (`index.json.lock.<pid>.<hex>`), a claim on a dead
// writer's lock (`index.json.lock.break-<id>-<k>`, lock.ts; an hour-old claim's holder is dead too). None is ever read as content, but they pile up; the first write
// of a store removes those older than STALE_TEMP_MS (a live writer's files are younger: it
// keeps writing, and a stalled transfer times out long before).

/** Age (ms) after which a temp file in a layout is a dead writer's leftover. */
export const STALE_TEMP_MS = 60 * 60 * 1000;

const ROOT_TEMP = /^(?:\.index\.json\.tmp-|\.oci-layout\.tmp-|index\.json\.lock\.stale-|index\.json\.lock\.(?:break-[0-9a-f]{16}-\d+\.)?\d+\.[0-9a-f]{8}$|index\.json\.lock\.break-[0-9a-f]{16}-\d+$)/;

/** Removes stale temp files of the layout at `dir`; returns how many. Errors are ignored (another writer may sweep too). */
export function sweepStaleTemp(dir: string, now = Date.now()): number {
  const candidates = [
    ...names(join(dir, 'ingest')).map((n) => join(dir, 'ingest', n)),
    ...names(dir).filter((n) => ROOT_TEMP.test(n)).map((n) => join(dir, n)),
  ];
  let removed = 0;
  for (const path of candidates) {
    try {
      if (now - statSync(path).mtimeMs > STALE_TEMP_MS) {
        unlinkSync(path);
        removed++;
      }
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

function names(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
