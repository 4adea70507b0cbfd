import { readFileSync, statSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';

// TLS 1.3 only (Gatekeeper's client sets MinVersion TLS 1.3), with an optional client CA:
// then a client certificate signed by it is required (Gatekeeper presents its webhook cert).
// Certificate files are polled and reloaded when they change (a Kubernetes Secret update swaps
// a symlink, which file watchers miss); a half-written or broken pair keeps the old one.

export interface TlsFiles {
  cert: string;
  key: string;
  clientCA?: string;
}

/** The secure-context options of the files as they are now (throws if unreadable or unusable). */
export function readTlsFiles(f: TlsFiles): SecureContextOptions {
  const opts: SecureContextOptions = { cert: readFileSync(f.cert), key: readFileSync(f.key), minVersion: 'TLSv1.3', ...(f.clientCA ? { ca: readFileSync(f.clientCA) } : {}) };
  createSecureContext(opts);
  return opts;
}

function stamp(f: TlsFiles): string {
  return [f.cert, f.key, f.clientCA].filter((p): p is string => !!p).map((p) => {
    try {
      const s = statSync(p);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return 'missing';
    }
  }).join('|');
}

/** Calls `apply` with new options whenever the files change and still make a usable pair; returns a stop function. */
export function watchTlsFiles(f: TlsFiles, everyMs: number, apply: (o: SecureContextOptions) => void, onError: (message: string) => void): () => void {
  let last = stamp(f);
  const timer = setInterval(() => {
    const now = stamp(f);
    if (now === last) return;
    try {
      apply(readTlsFiles(f));
      last = now;
    } catch (err) {
      onError(`the TLS files changed but cannot be used (keeping the old ones): ${(err as Error).message}`);
      last = now;
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
