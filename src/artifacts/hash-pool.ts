import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { CairnError, type ErrorCode } from '../errors.js';
import { hashFile, hashFileReadAhead } from './hash.js';

// Hashing many files uses every core, and starts while the tree is still being walked: paths
// are handed to the pool as they are found, in batches, and (cores - 1) worker threads hash
// batches as soon as they are published; once the walk is over the main thread joins in. Each
// thread claims the next chunk of the global list from a shared atomic counter and hashes it
// with synchronous reads (the fastest way in node for small files). Small lists never start a
// thread: below a thousand files the threads cost more to start than they save.

const CHUNK = 256;
const START_THREADS_AT = 1000;

// Slots of the shared control array.
const CLAIMED = 0;
const PUBLISHED = 1;
/** Number of paths once the list is complete; -1 while paths are still being added. */
const TOTAL = 2;

/** What a worker thread starts with. */
export interface HashWorkerData {
  control: SharedArrayBuffer;
  port: MessagePort;
  normalizeLineEndings: boolean;
}

/** A worker's answer: the hashes of the chunks it claimed, or the error that stopped it. */
export type HashWorkerResult =
  | { ok: true; chunks: Array<[number, string[]]> }
  | { ok: false; code?: ErrorCode; message?: string };

/** Makes every thread find nothing left to claim (after an error). */
export function stopClaims(control: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(control), CLAIMED, 0x3fffffff);
}

/** The claiming loop of a worker thread: paths arrive on `port` in order, in batches. */
export function hashPublished(data: HashWorkerData): Array<[number, string[]]> {
  const control = new Int32Array(data.control);
  const paths: string[] = [];
  const chunks: Array<[number, string[]]> = [];
  for (;;) {
    const start = Atomics.add(control, CLAIMED, CHUNK);
    let end: number;
    for (;;) {
      const published = Atomics.load(control, PUBLISHED);
      const total = Atomics.load(control, TOTAL);
      if (total >= 0 && start >= total) return chunks;
      end = total >= 0 ? Math.min(start + CHUNK, total) : start + CHUNK;
      if (published >= end) break;
      Atomics.wait(control, PUBLISHED, published, 100);
    }
    while (paths.length < end) {
      const m = receiveMessageOnPort(data.port);
      if (!m) throw new CairnError('INTERNAL', 'hashing thread: published paths did not arrive');
      for (const p of m.message as string[]) paths.push(p);
    }
    const hashes = new Array<string>(end - start);
    for (let i = start; i < end; i++) hashes[i - start] = hashFile(paths[i]!, data.normalizeLineEndings);
    chunks.push([start, hashes]);
  }
}

/**
 * Hashes files handed over one by one (`add`) and returns their hashes in that order
 * (`finish`). Worker threads start once the list is long enough, so that they overlap the rest
 * of the walk; `abort` stops them when the walk fails.
 */
export class HashPool {
  private readonly paths: string[] = [];
  private readonly control = new Int32Array(new SharedArrayBuffer(12));
  private readonly workers: Array<{ port: MessagePort; done: Promise<HashWorkerResult>; worker: Worker }> = [];
  private posted = 0;

  constructor(
    private readonly normalizeLineEndings = false,
    private readonly threads = availableParallelism(),
  ) {
    this.control[TOTAL] = -1;
  }

  /** Adds a file; its hash will be at this position of finish()'s result. */
  add(path: string): void {
    this.paths.push(path);
    const n = this.paths.length;
    if (n === START_THREADS_AT && this.threads > 1) this.startWorkers();
    if (this.workers.length > 0 && n - this.posted >= CHUNK) this.publish();
  }

  /** Hashes what is left (on this thread and the workers) and returns every hash in order. */
  async finish(): Promise<string[]> {
    const total = this.paths.length;
    const hashes = new Array<string>(total);
    if (this.workers.length === 0) {
      // few files: this thread alone, reading big ones ahead while it hashes
      for (let i = 0; i < total; i++) {
        hashes[i] = this.normalizeLineEndings ? hashFile(this.paths[i]!, true) : await hashFileReadAhead(this.paths[i]!);
      }
      return hashes;
    }
    this.publish();
    Atomics.store(this.control, TOTAL, total);
    Atomics.notify(this.control, PUBLISHED);
    let mainError: unknown;
    try {
      for (;;) {
        const start = Atomics.add(this.control, CLAIMED, CHUNK);
        if (start >= total) break;
        const end = Math.min(start + CHUNK, total);
        for (let i = start; i < end; i++) hashes[i] = hashFile(this.paths[i]!, this.normalizeLineEndings);
      }
    } catch (err) {
      mainError = err;
      this.stop(); // the others stop at their next claim
    }
    const results = await Promise.all(this.workers.map((w) => w.done));
    this.close();
    if (mainError) throw mainError;
    for (const r of results) {
      if (!r.ok) throw new CairnError(r.code ?? 'IO_ERROR', r.message ?? 'hashing failed');
      for (const [start, chunk] of r.chunks) for (let i = 0; i < chunk.length; i++) hashes[start + i] = chunk[i]!;
    }
    return hashes;
  }

  /** Stops the workers without waiting for them (the walk failed). */
  abort(): void {
    this.stop();
    for (const w of this.workers) void w.worker.terminate();
    this.close();
  }

  private stop(): void {
    stopClaims(this.control.buffer as SharedArrayBuffer);
    Atomics.store(this.control, TOTAL, 0);
    Atomics.notify(this.control, PUBLISHED);
  }

  private close(): void {
    for (const w of this.workers) w.port.close();
  }

  private publish(): void {
    const n = this.paths.length;
    if (n === this.posted) return;
    const batch = this.paths.slice(this.posted, n);
    for (const w of this.workers) w.port.postMessage(batch);
    this.posted = n;
    Atomics.store(this.control, PUBLISHED, n);
    Atomics.notify(this.control, PUBLISHED);
  }

  private startWorkers(): void {
    for (let i = 1; i < Math.min(this.threads, 8); i++) {
      const { port1, port2 } = new MessageChannel();
      const data: HashWorkerData = { control: this.control.buffer as SharedArrayBuffer, port: port2, normalizeLineEndings: this.normalizeLineEndings };
      const worker = new Worker(new URL('./hash-worker.js', import.meta.url), { workerData: data, transferList: [port2] });
      const done = new Promise<HashWorkerResult>((resolve) => {
        worker.once('message', (m: HashWorkerResult) => {
          resolve(m);
          void worker.terminate();
        });
        worker.once('error', (err) => resolve({ ok: false, code: 'INTERNAL', message: `hashing thread failed: ${err.message}` }));
        worker.once('exit', () => resolve({ ok: false, code: 'INTERNAL', message: 'hashing thread exited early' }));
      });
      this.workers.push({ port: port1, done, worker });
    }
  }
}

/** sha256 of each file, in the order given, using all cores for large lists. */
export async function hashFiles(paths: string[], normalizeLineEndings = false, threads = availableParallelism()): Promise<string[]> {
  const pool = new HashPool(normalizeLineEndings, threads);
  for (const p of paths) pool.add(p);
  return pool.finish();
}
