import type { GateVerdict } from '../gate/index.js';

// Verdicts by (image digest, policy digest): the policy digest covers the layout digest, the
// trust anchor (newest trust-root version or the layout keys), the platform and the
// parameters, so a rotated root or a re-pinned layout misses the cache by key, with no flush.
// PASS and FAIL are both kept (FAIL briefly: evidence is often attached after the push); a PASS
// never outlives the earliest expiry involved. Errors are never kept. Bounded: the oldest
// entries go first (Map order; a hit moves an entry to the back).

export interface CacheLimits {
  maxEntries: number;
  passTtlMs: number;
  failTtlMs: number;
}

interface Entry {
  verdict: GateVerdict;
  until: number;
}

export class VerdictCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly limits: CacheLimits, private readonly now: () => number = Date.now) {}

  /** The cache key of an image digest under a policy digest. */
  static key(subject: string, policyDigest: string): string {
    return `${policyDigest} ${subject}`;
  }

  get(key: string): GateVerdict | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.verdict;
  }

  /** Keeps a verdict for its TTL: PASS until min(passTtl, earliest expiry), FAIL for failTtl. */
  put(key: string, v: GateVerdict): void {
    const now = this.now();
    let until = now + (v.verdict === 'pass' ? this.limits.passTtlMs : this.limits.failTtlMs);
    if (v.expires) until = Math.min(until, v.expires.getTime());
    if (until <= now || this.limits.maxEntries === 0) return;
    this.entries.delete(key);
    this.entries.set(key, { verdict: v, until });
    while (this.entries.size > this.limits.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Concurrent asks for the same key share one run (and its failure). */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.running.get(key);
    if (!p) {
      p = fn().finally(() => this.running.delete(key));
      this.running.set(key, p);
    }
    return p;
  }

  get inFlight(): number {
    return this.running.size;
  }
}
