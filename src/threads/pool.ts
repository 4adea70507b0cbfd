import { CairnError } from '../errors.js';
import { errorFromWire, errorToWire, type WireError } from './errors.js';
import { parentLine, Thread } from './thread.js';

// The one worker pool: jobs go to one queue; worker threads and, when it chooses, the calling
// thread take the next job from a shared atomic counter, so a thread's start-up delays nothing
// (the others work meanwhile) and no thread waits while another has work queued. Every job is
// posted to every worker (jobs are small: paths, a file name and keys), and a worker answers only
// the jobs it claimed, with the job's result or the error that stopped it (errors.ts). Domain
// code gives the pool a function of one job, the same on every thread, and gets a promise.

/** What a worker starts with. */
export interface PoolThreadData {
  /** Int32Array[1]: the index of the next job to take. */
  control: SharedArrayBuffer;
  /** After a failed job, nobody takes another (a job list that stands or falls together). */
  stopOnFailure: boolean;
}

/** A job as posted to every worker. */
export interface ToPoolThread<J> {
  index: number;
  job: J;
}

/** A worker's answer to a job it took. */
export type FromPoolThread<R> = { index: number; ok: true; value: R } | { index: number; ok: false; error: WireError };

/** What a pool is made of. */
export interface JobPoolOptions<J, R> {
  /** The worker module (which calls serveJobs), by URL relative to the caller's module. */
  entry: URL;
  /** What the threads do, for errors ("hashing", "evidence"). */
  name: string;
  /** Worker threads to start with the first job (0: every job runs on this thread). */
  threads: number;
  /** The job, on this thread: for takeHere and takeWhenIdle. */
  runHere: (job: J) => R;
  /** This thread takes a job whenever its event loop is idle. */
  takeWhenIdle?: boolean;
  stopOnFailure?: boolean;
}

/**
 * Takes the next job index below `available` from the shared counter, or -1; -1 too when
 * `takes` refuses the next job (it stays for another thread, and so do the ones behind it).
 */
export function claim(control: Int32Array, available: number, takes?: (index: number) => boolean): number {
  for (;;) {
    const next = Atomics.load(control, 0);
    if (next >= available) return -1;
    if (takes && !takes(next)) return -1;
    if (Atomics.compareExchange(control, 0, next, next + 1) === next) return next;
  }
}

const NOTHING_LEFT = 0x3fffffff;

// A job until it is settled; then only `done` (its promise, which holds the result, is
// reachable from `resolve`: a pool that kept it would keep every result of its life, at
// 10 x 100k artifacts every link's index twice).
interface Job<J, R> {
  job?: J;
  done: boolean;
  /** Not for this thread's idle share (JobRunOptions). */
  workersOnly: boolean;
  resolve?: (x: R) => void;
  reject?: (err: unknown) => void;
}

/** How one job is run. */
export interface JobRunOptions {
  /**
   * Only a worker takes it, never this thread (with no worker threads it runs here). For jobs
   * run one at a time (ByteBudget) whose garbage is large: on one worker each job's garbage is
   * collected while the next runs, instead of piling up in this thread's heap and a worker's.
   */
  workersOnly?: boolean;
}

/** Runs jobs on worker threads and on this thread, each job once. */
export class JobPool<J, R> {
  private readonly jobs: Job<J, R>[] = [];
  private readonly control = new Int32Array(new SharedArrayBuffer(4));
  private threads: Thread<ToPoolThread<J>, FromPoolThread<R>>[] = [];
  private draining = false;
  private closed = false;
  /** A job has failed. */
  failed = false;

  constructor(private readonly o: JobPoolOptions<J, R>) {}

  /** Queues a job; resolves to its result, from whichever thread took it. */
  run(job: J, options: JobRunOptions = {}): Promise<R> {
    // A job queued behind a ByteBudget may come after the pool's owner has finished (a step
    // failed): it is refused, not run on freshly started threads.
    if (this.closed) return Promise.reject(new CairnError('INTERNAL', `the ${this.o.name} pool is closed`));
    return new Promise<R>((resolve, reject) => {
      const index = this.jobs.length;
      const workersOnly = (options.workersOnly ?? false) && this.o.threads > 0;
      this.jobs.push({ job, done: false, workersOnly, resolve, reject });
      if (this.threads.length === 0 && this.o.threads > 0) this.start();
      const m: ToPoolThread<J> = { index, job };
      for (const t of this.threads) t.post(m);
      if (this.o.takeWhenIdle && !this.draining) {
        this.draining = true;
        setImmediate(() => this.drain());
      }
    });
  }

  /** Runs the next unclaimed job on this thread; false when none is left, or it is a worker's. */
  takeHere(): boolean {
    const index = claim(this.control, this.jobs.length, (i) => !this.jobs[i]!.workersOnly);
    if (index < 0) return false;
    const job = this.jobs[index]!;
    if (job.done) return true; // failed with a lost thread before it was taken
    let result: R;
    try {
      result = this.o.runHere(job.job!);
    } catch (err) {
      this.settle(job, false, err);
      return true;
    }
    this.settle(job, true, result);
    return true;
  }

  /** Stops the workers; jobs still running on them are abandoned (their promises stay open). */
  close(): void {
    this.closed = true;
    const threads = this.threads;
    this.threads = [];
    for (const t of threads) t.close();
  }

  // This thread's share when idle: one job at a time, letting the workers' answers in between.
  private drain(): void {
    if (!this.takeHere()) {
      this.draining = false;
      return;
    }
    setImmediate(() => this.drain());
  }

  private settle(job: Job<J, R>, ok: boolean, x: unknown): void {
    if (job.done) return;
    const { resolve, reject } = job;
    job.done = true;
    job.job = job.resolve = job.reject = undefined;
    if (ok) return resolve!(x as R);
    this.failed = true;
    if (this.o.stopOnFailure) Atomics.store(this.control, 0, NOTHING_LEFT);
    reject!(x);
  }

  private start(): void {
    const data: PoolThreadData = { control: this.control.buffer as SharedArrayBuffer, stopOnFailure: this.o.stopOnFailure ?? false };
    for (let i = 0; i < this.o.threads; i++) {
      const t = Thread.start<ToPoolThread<J>, FromPoolThread<R>>(this.o.entry, this.o.name, { data });
      t.listen({
        message: (m) => {
          const job = this.jobs[m.index];
          if (job) this.settle(job, m.ok, m.ok ? m.value : errorFromWire(m.error, this.o.name));
        },
        // a lost thread may have held any job: every open one fails (work fails closed)
        failed: (err) => {
          for (const job of this.jobs) this.settle(job, false, err);
        },
      });
      this.threads.push(t);
    }
  }
}

/**
 * A pool worker's side: every job is posted to it; it takes the next unclaimed one (the other
 * threads take theirs from the same counter), runs `handler` and answers with its result or
 * the error that stopped it.
 */
export function serveJobs<J, R>(handler: (job: J) => R): void {
  const line = parentLine<ToPoolThread<J>, FromPoolThread<R>>();
  const data = line.data as PoolThreadData;
  if (!(data?.control instanceof SharedArrayBuffer)) throw new CairnError('INTERNAL', 'a pool thread was started without its counter');
  const control = new Int32Array(data.control);
  const jobs: (J | undefined)[] = []; // a job is dropped once answered
  let scheduled = false;
  const work = (): void => {
    scheduled = false;
    const index = claim(control, jobs.length);
    if (index < 0) return;
    let reply: FromPoolThread<R>;
    try {
      const job = jobs[index] as J;
      jobs[index] = undefined;
      reply = { index, ok: true, value: handler(job) };
    } catch (err) {
      if (data.stopOnFailure) Atomics.store(control, 0, NOTHING_LEFT);
      reply = { index, ok: false, error: errorToWire(err) };
    }
    line.post(reply);
    schedule(); // jobs posted meanwhile are delivered first
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(work);
  };
  line.onMessage((m) => {
    jobs[m.index] = m.job;
    schedule();
  });
}
