import { availableParallelism } from 'node:os';
import { ByteBudget, JobPool, serveJobs } from '../threads/index.js';
import type { PublicKey } from '../crypto/index.js';
import type { EvidenceItem } from '../evidence/index.js';
import { examineForWire, examineItem, fromWire, type Examined, type WireExamined } from './examine.js';
import { IndexStore } from './packed-index.js';

// Big links are read, parsed and signature-checked on every core: per link that is tens of
// megabytes of JSON.parse, base64 or canonical JSON, and a signature over it, all independent
// between links, and on the main thread its garbage made old-space GC grow faster than the
// input. Files of POOL_MIN_BYTES and more go to the thread pool (src/threads): worker threads
// (one per further core) and the main thread, whenever it is idle, take the next file from
// one queue, so a thread's start-up (60-100 ms, it loads the schemas) delays nothing: the main
// thread works meanwhile. A worker answers with plain data (examine.ts): which offered keys
// signed, and a link's artifacts packed (packed-index.ts), cheap to clone. Smaller files are
// examined on the main thread at once. Every distinct artifact list, and every name and digest
// in them, from either side, is kept once per verification (the pool's IndexStore).

/**
 * Files from this size on go to the queue. A thread costs 60-100 ms of CPU to start and ~25 %
 * of a link's work to hand its artifacts back: with 2-3 MB links (10k artifacts) it gained
 * ~15 % on an idle 2-core machine and lost 10-25 % when other work kept the cores busy; with
 * 23-32 MB links (100k artifacts) it gains 10-35 % either way (docs/bench.md).
 */
export const POOL_MIN_BYTES = 8 * 1024 * 1024;

/**
 * Bytes of big files examined at once, on all threads together. A file leaves several times
 * its size in garbage (its text, a DSSE payload and its PAE bytes, the parse graph) until its
 * thread's next full GC. Files that cannot go two at a time (23-32 MB links of 100k
 * artifacts) go one after the other to a worker: there each one's garbage is collected while
 * the next is parsed, and the main thread, which keeps the indexes, unpacks and judges the
 * last one meanwhile. Two at once, on the main thread and a worker, left garbage in both
 * heaps: peak RSS 0.7-0.8 GiB at 10 x 100k against 0.5-0.6 GiB (docs/bench.md, "Issue 19:
 * memory"). Smaller files still go to every thread at once.
 */
export const POOL_BUDGET_BYTES = 40 * 1024 * 1024;

/** A job for the pool: one file of evidence and the keys to check it with. */
export interface ExamineJob {
  item: EvidenceItem;
  keys: PublicKey[];
}

/** A job's result on a worker; null when the main thread must examine the file itself. */
export type ExamineResult = WireExamined[] | null;

// A key as it crosses threads: the KeyObject clones; the certificate is not needed to verify.
function wireKey(k: PublicKey): PublicKey {
  return { keyType: k.keyType, scheme: k.scheme, keyObject: k.keyObject, publicValue: k.publicValue, keyId: k.keyId, keyIds: k.keyIds, fingerprint: k.fingerprint };
}

/** A job, on whichever thread takes it. */
export function examineJob(job: ExamineJob): ExamineResult {
  return examineForWire(job.item, job.keys) ?? null;
}

/** Examines evidence items, big files on all cores. */
export class ExaminePool {
  private readonly pool: JobPool<ExamineJob, ExamineResult>;
  private readonly strings = new IndexStore();
  private readonly budget: ByteBudget;

  constructor(
    private readonly threads = Math.min(availableParallelism() - 1, 3),
    private readonly minBytes = POOL_MIN_BYTES,
    /** Whether this thread takes jobs too when it is idle (tests turn it off). */
    mainTakes = true,
    budgetBytes = POOL_BUDGET_BYTES,
  ) {
    this.budget = new ByteBudget(budgetBytes);
    this.pool = new JobPool({ entry: new URL('./examine-worker.js', import.meta.url), name: 'evidence', threads, runHere: examineJob, takeWhenIdle: mainTakes });
  }

  /** Reads and checks one item; resolves to its documents as examined. */
  async examine(item: EvidenceItem, keys: readonly PublicKey[]): Promise<Examined[]> {
    const size = item.unopened?.size ?? 0;
    if (size < this.minBytes || this.threads < 1) return examineItem(item, keys, this.strings);
    const job = { item, keys: keys.map(wireKey) };
    const wire = await this.budget.run(size, () => this.pool.run(job, { workersOnly: 2 * size > this.budget.limit }));
    // not a link (a sublayout, another predicate): examined here, with its document
    if (wire === null) return examineItem(item, keys, this.strings);
    return wire.map((w) => fromWire(item, w, this.strings));
  }

  /** Stops the workers; jobs still running are abandoned. */
  close(): void {
    this.pool.close();
  }
}

/** The worker's side (examine-worker.js, or the bundled CLI's thread loader: cli/main.ts thread()). */
export function serveExamineJobs(): void {
  serveJobs(examineJob);
}
