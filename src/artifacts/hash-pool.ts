import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CairnError, type ErrorCode } from '../errors.js';
import { hashFile } from './hash.js';

// Hashing many files uses every core: the main thread and (cores - 1) worker threads take
// chunks of the file list from a shared atomic counter, each hashing with synchronous reads
// (the fastest way in node for small files). Below a few thousand files the threads cost more
// to start than they save, so small lists are hashed on the main thread alone.

const CHUNK = 256;
const PARALLEL_THRESHOLD = 3000;

/** What each thread gets: the whole list and the shared counter. */
export interface HashJob {
  paths: string[];
  normalizeLineEndings: boolean;
  counter: SharedArrayBuffer;
}

/** Hashes chunks claimed from the counter; returns [index, hash] pairs for this thread's share. */
export function hashShare(job: HashJob): Array<[number, string]> {
  const counter = new Int32Array(job.counter);
  const out: Array<[number, string]> = [];
  for (;;) {
    const start = Atomics.add(counter, 0, CHUNK);
    if (start >= job.paths.length) return out;
    const end = Math.min(start + CHUNK, job.paths.length);
    for (let i = start; i < end; i++) out.push([i, hashFile(job.paths[i]!, job.normalizeLineEndings)]);
  }
}

/** sha256 of each file, in the order given, using all cores for large lists. */
export async function hashFiles(paths: string[], normalizeLineEndings = false, threads = availableParallelism()): Promise<string[]> {
  if (paths.length < PARALLEL_THRESHOLD || threads < 2) return paths.map((p) => hashFile(p, normalizeLineEndings));
  const job: HashJob = { paths, normalizeLineEndings, counter: new SharedArrayBuffer(4) };
  const workers = Array.from({ length: Math.min(threads, 8) - 1 }, () => runWorker(job));
  const hashes = new Array<string>(paths.length);
  let mainError: unknown;
  try {
    for (const [i, h] of hashShare(job)) hashes[i] = h;
  } catch (err) {
    mainError = err;
    Atomics.store(new Int32Array(job.counter), 0, paths.length); // stop the others early
  }
  const shares = await Promise.allSettled(workers);
  if (mainError) throw mainError;
  for (const s of shares) {
    if (s.status === 'rejected') throw s.reason;
    for (const [i, h] of s.value) hashes[i] = h;
  }
  return hashes;
}

function runWorker(job: HashJob): Promise<Array<[number, string]>> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./hash-worker.js', import.meta.url), { workerData: job });
    w.once('message', (m: { ok: boolean; results?: Array<[number, string]>; code?: ErrorCode; message?: string }) => {
      if (m.ok) resolve(m.results!);
      else reject(new CairnError(m.code ?? 'IO_ERROR', m.message ?? 'hashing failed'));
      void w.terminate();
    });
    w.once('error', (err) => reject(new CairnError('INTERNAL', `hashing thread failed: ${err.message}`, { cause: err })));
  });
}
