import { availableParallelism } from 'node:os';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { CairnError, type ErrorCode } from '../errors.js';
import type { PublicKey } from '../crypto/index.js';
import type { EvidenceItem } from '../evidence/index.js';
import { examineForWire, examineItem, fromWire, type Examined, type WireExamined } from './examine.js';

// Big links are read, parsed and signature-checked on every core: per link that is tens of
// megabytes of JSON.parse, base64 or canonical JSON, and a signature over it, all independent
// between links, and on the main thread its garbage made old-space GC grow faster than the
// input. Files of POOL_MIN_BYTES and more are listed in one queue; worker threads (one per
// further core) and the main thread, whenever it is idle, take the next file from a shared
// atomic counter, so a thread's start-up (60-100 ms, it loads the schemas) delays nothing: the
// main thread works meanwhile. A worker answers with plain data (examine.ts): which offered
// keys signed, and a link's artifacts as Maps of strings, cheap to clone. Smaller files are
// examined on the main thread at once.

/**
 * Files from this size on go to the queue. A thread costs 60-100 ms of CPU to start and ~25 %
 * of a link's work to hand its artifacts back: with 2-3 MB links (10k artifacts) it gained
 * ~15 % on an idle 2-core machine and lost 10-25 % when other work kept the cores busy; with
 * 23-32 MB links (100k artifacts) it gains 10-35 % either way (docs/bench.md).
 */
export const POOL_MIN_BYTES = 8 * 1024 * 1024;

/** What a worker starts with: the claim counter (Int32Array[1]: the next job to take). */
export interface ExamineWorkerData {
  control: SharedArrayBuffer;
}

/** A job for the workers: one file of evidence and the keys to check it with. */
export interface ToExamineWorker {
  index: number;
  item: EvidenceItem;
  keys: PublicKey[];
}

/** A worker's answer; `items` is null when the main thread must examine the file itself. */
export type FromExamineWorker =
  | { index: number; ok: true; items: WireExamined[] | null }
  | { index: number; ok: false; error: { code?: ErrorCode; message: string; where?: string } };

interface Job {
  readonly item: EvidenceItem;
  readonly keys: readonly PublicKey[];
  done: boolean;
  resolve(x: Examined[]): void;
  reject(err: unknown): void;
}

/** Takes the next job index below `available` from the shared counter, or -1. */
export function claim(control: Int32Array, available: number): number {
  for (;;) {
    const next = Atomics.load(control, 0);
    if (next >= available) return -1;
    if (Atomics.compareExchange(control, 0, next, next + 1) === next) return next;
  }
}

// A key as it crosses threads: the KeyObject clones; the certificate is not needed to verify.
function wireKey(k: PublicKey): PublicKey {
  return { keyType: k.keyType, scheme: k.scheme, keyObject: k.keyObject, publicValue: k.publicValue, keyId: k.keyId, keyIds: k.keyIds, fingerprint: k.fingerprint };
}

function rebuild(e: { code?: ErrorCode; message: string; where?: string }): Error {
  if (!e.code) return new CairnError('INTERNAL', `evidence thread failed: ${e.message}`);
  const prefix = e.where ? `${e.where}: ` : '';
  const message = prefix && e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
  return new CairnError(e.code, message, e.where ? { where: e.where } : {});
}

/** Examines evidence items, big files on all cores. */
export class ExaminePool {
  private readonly jobs: Job[] = [];
  private readonly control = new Int32Array(new SharedArrayBuffer(4));
  private readonly workers: Worker[] = [];
  private draining = false;

  constructor(
    private readonly threads = Math.min(availableParallelism() - 1, 3),
    private readonly minBytes = POOL_MIN_BYTES,
    /** Whether this thread takes jobs too when it is idle (tests turn it off). */
    private readonly mainTakes = true,
  ) {}

  /** Reads and checks one item; resolves to its documents as examined. */
  examine(item: EvidenceItem, keys: readonly PublicKey[]): Promise<Examined[]> {
    if ((item.unopened?.size ?? 0) < this.minBytes || this.threads < 1) {
      try {
        return Promise.resolve(examineItem(item, keys));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise<Examined[]>((resolve, reject) => {
      const index = this.jobs.length;
      this.jobs.push({ item, keys, done: false, resolve, reject });
      if (this.workers.length === 0) this.start();
      const message: ToExamineWorker = { index, item, keys: keys.map(wireKey) };
      for (const w of this.workers) w.postMessage(message);
      if (!this.draining && this.mainTakes) {
        this.draining = true;
        setImmediate(() => this.drain());
      }
    });
  }

  /** Stops the workers; jobs still running are abandoned. */
  close(): void {
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }

  // The main thread's share: one job at a time, letting the workers' answers in between.
  private drain(): void {
    const index = claim(this.control, this.jobs.length);
    if (index < 0) {
      this.draining = false;
      return;
    }
    const job = this.jobs[index]!;
    let result: Examined[] | undefined;
    try {
      result = examineItem(job.item, job.keys);
    } catch (err) {
      this.settle(job, () => job.reject(err));
    }
    if (result) this.settle(job, () => job.resolve(result));
    setImmediate(() => this.drain());
  }

  private settle(job: Job, f: () => void): void {
    if (job.done) return;
    job.done = true;
    f();
  }

  private answer(m: FromExamineWorker): void {
    const job = this.jobs[m.index];
    if (!job) return;
    if (!m.ok) return this.settle(job, () => job.reject(rebuild(m.error)));
    if (m.items === null) {
      // not a link (a sublayout, another predicate): examined here, with its document
      let result: Examined[];
      try {
        result = examineItem(job.item, job.keys);
      } catch (err) {
        return this.settle(job, () => job.reject(err));
      }
      return this.settle(job, () => job.resolve(result));
    }
    const items = m.items;
    this.settle(job, () => job.resolve(items.map((w) => fromWire(job.item, w))));
  }

  private start(): void {
    for (let i = 0; i < this.threads; i++) {
      const data: ExamineWorkerData = { control: this.control.buffer as SharedArrayBuffer };
      const worker = new Worker(new URL('./examine-worker.js', import.meta.url), { workerData: data });
      worker.on('message', (m: FromExamineWorker) => this.answer(m));
      // a lost thread may have held any job: every open one fails (verification fails closed)
      const fail = (why: string) => {
        for (const job of this.jobs) this.settle(job, () => job.reject(new CairnError('INTERNAL', `evidence thread failed: ${why}`)));
      };
      worker.on('error', (err) => fail(err.message));
      worker.on('exit', () => {
        if (this.workers.includes(worker)) fail('it exited');
      });
      this.workers.push(worker);
    }
  }
}

/**
 * The worker's side, run on a thread the pool started (examine-worker.js, or the bundled CLI's
 * thread loader): every job is posted to it; it takes the next unclaimed one (the main thread
 * and the other workers take theirs from the same counter), examines it and answers with plain
 * data, or with the error that stopped it.
 */
export function serveExamineJobs(): void {
  const port = parentPort;
  if (!port) throw new CairnError('INTERNAL', 'serveExamineJobs runs only on a worker thread');
  const control = new Int32Array((workerData as ExamineWorkerData).control);
  const jobs: ToExamineWorker[] = [];
  let scheduled = false;
  const work = (): void => {
    scheduled = false;
    const index = claim(control, jobs.length);
    if (index < 0) return;
    const m = jobs[index]!;
    let reply: FromExamineWorker;
    try {
      reply = { index, ok: true, items: examineForWire(m.item, m.keys) ?? null };
    } catch (err) {
      const e = err as { code?: ErrorCode; message?: string; where?: string };
      reply = { index, ok: false, error: { ...(e.code ? { code: e.code } : {}), message: e.message ?? String(err), ...(e.where ? { where: e.where } : {}) } };
    }
    port.postMessage(reply);
    schedule(); // jobs posted meanwhile are delivered first
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(work);
  };
  port.on('message', (m: ToExamineWorker) => {
    jobs[m.index] = m;
    schedule();
  });
}
