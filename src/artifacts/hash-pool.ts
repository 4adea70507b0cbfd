import { availableParallelism } from 'node:os';
import { JobPool } from '../threads/index.js';
import { hashFile, hashFileReadAhead } from './hash.js';

// Hashing many files uses every core, and starts while the tree is still being walked: paths
// are handed to the thread pool (src/threads) as they are found, in chunks, and (cores - 1)
// worker threads hash chunks as soon as they are queued; once the walk is over this thread
// joins in, taking chunks from the same queue, and waits for the last answers. A chunk is
// hashed with synchronous reads (the fastest way in node for small files). Small lists never
// start a thread: below a thousand files the threads cost more to start than they save.

const CHUNK = 256;
const START_THREADS_AT = 1000;

/** One job of the pool: a chunk of paths; its result, their hashes in order. */
export interface HashJob {
  paths: string[];
  normalizeLineEndings: boolean;
}

/** A chunk's hashes, on whichever thread took it (hash-worker.ts on the workers). */
export function hashChunk(job: HashJob): string[] {
  const out = new Array<string>(job.paths.length);
  for (let i = 0; i < job.paths.length; i++) out[i] = hashFile(job.paths[i]!, job.normalizeLineEndings);
  return out;
}

/**
 * Hashes files handed over one by one (`add`) and returns their hashes in that order
 * (`finish`). Worker threads start once the list is long enough, so that they overlap the rest
 * of the walk; `abort` stops them when the walk fails.
 */
export class HashPool {
  private readonly paths: string[] = [];
  private readonly chunks: Promise<string[]>[] = [];
  private pool: JobPool<HashJob, string[]> | undefined;
  private queued = 0;

  constructor(
    private readonly normalizeLineEndings = false,
    private readonly threads = availableParallelism(),
  ) {}

  /** Adds a file; its hash will be at this position of finish()'s result. */
  add(path: string): void {
    this.paths.push(path);
    const n = this.paths.length;
    if (n === START_THREADS_AT && this.threads > 1) {
      this.pool = new JobPool({ entry: new URL('./hash-worker.js', import.meta.url), name: 'hashing', threads: Math.min(this.threads, 8) - 1, runHere: hashChunk, stopOnFailure: true });
    }
    if (this.pool) while (n - this.queued >= CHUNK) this.queue(this.queued + CHUNK);
  }

  /** Hashes what is left (on this thread and the workers) and returns every hash in order. */
  async finish(): Promise<string[]> {
    const total = this.paths.length;
    const pool = this.pool;
    if (!pool) {
      // few files: this thread alone, reading big ones ahead while it hashes
      const hashes = new Array<string>(total);
      for (let i = 0; i < total; i++) {
        hashes[i] = this.normalizeLineEndings ? hashFile(this.paths[i]!, true) : await hashFileReadAhead(this.paths[i]!);
      }
      return hashes;
    }
    if (this.queued < total) this.queue(total);
    try {
      while (!pool.failed && pool.takeHere());
      return (await Promise.all(this.chunks)).flat();
    } finally {
      pool.close();
    }
  }

  /** Stops the workers without waiting for them (the walk failed). */
  abort(): void {
    this.pool?.close();
  }

  private queue(end: number): void {
    const p = this.pool!.run({ paths: this.paths.slice(this.queued, end), normalizeLineEndings: this.normalizeLineEndings });
    p.catch(() => undefined); // seen by finish(), or nobody's business after abort()
    this.chunks.push(p);
    this.queued = end;
  }
}

/** sha256 of each file, in the order given, using all cores for large lists. */
export async function hashFiles(paths: string[], normalizeLineEndings = false, threads = availableParallelism()): Promise<string[]> {
  const pool = new HashPool(normalizeLineEndings, threads);
  for (const p of paths) pool.add(p);
  return pool.finish();
}
