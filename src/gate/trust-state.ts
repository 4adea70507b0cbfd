import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../disk/index.js';
import type { TrustState } from '../trust/index.js';

// The newest trust-root version trusted so far, remembered between walks (like a TUF client's
// trusted root) so that a registry serving an older chain later is caught as a rollback. A CLI
// keeps it in a file per pinned root; a server keeps it in memory for its lifetime (and may use
// files too). Spec: https://theupdateframework.github.io/specification/latest/#update-the-root-role

/** Where the newest trusted version of each pinned root is kept. */
export interface TrustStateStore {
  read(pinnedDigest: string): TrustState | undefined;
  /** Records a newer version; may fail (the walk has succeeded anyway): returns a warning then. */
  write(pinnedDigest: string, state: TrustState): string | undefined;
}

/** The default state file of a pinned root: $XDG_STATE_HOME/cairn/trust/<digest>.json. */
export function trustStatePath(env: NodeJS.ProcessEnv, pinnedDigest: string, override?: string): string {
  if (override) return override;
  const base = env['XDG_STATE_HOME'] || join(env['HOME'] || homedir(), '.local', 'state');
  return join(base, 'cairn', 'trust', `${pinnedDigest.replace(':', '-')}.json`);
}

function parseState(text: string): TrustState | undefined {
  try {
    const s = JSON.parse(text) as TrustState;
    return typeof s.version === 'number' && typeof s.digest === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

/** State in files, one per pinned root; `pathFor` names the file. */
export function fileTrustState(pathFor: (pinnedDigest: string) => string): TrustStateStore {
  return {
    read(pinned) {
      try {
        return parseState(readFileSync(pathFor(pinned), 'utf8'));
      } catch {
        return undefined;
      }
    },
    write(pinned, state) {
      const path = pathFor(pinned);
      try {
        mkdirSync(dirname(path), { recursive: true });
        writeFileAtomic(path, `${JSON.stringify(state)}\n`);
        return undefined;
      } catch (err) {
        return `cannot record the trusted root version in ${path}: ${(err as Error).message}`;
      }
    },
  };
}

/** State in memory (a server's lifetime); never goes backwards. */
export function memoryTrustState(): TrustStateStore {
  const states = new Map<string, TrustState>();
  return {
    read: (pinned) => states.get(pinned),
    write(pinned, state) {
      const old = states.get(pinned);
      if (!old || old.version < state.version) states.set(pinned, state);
      return undefined;
    },
  };
}
