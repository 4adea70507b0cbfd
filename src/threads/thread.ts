import { parentPort, Worker, workerData } from 'node:worker_threads';
import { CairnError } from '../errors.js';

// The only code that starts threads or talks to the thread that started it (node:worker_threads).
// A thread runs one module, named by URL relative to the code that asks for it: in the library
// build that is the module's own file in dist/src; in the bundled CLI, `import.meta.url` is the
// bundle's (tools/bundle.mjs), so the same URL names the thread's bundle next to it. Whatever
// stops a thread (an uncaught error, an exit) reaches its owner once, as an INTERNAL CairnError:
// work that was on it fails closed, it is never taken as done.

/** What the owner of a thread hears from it. */
export interface ThreadEvents<Out> {
  message(m: Out): void;
  /** The thread is gone (an uncaught error, or it exited); called once. */
  failed(err: CairnError): void;
}

/** Options of Thread.start. */
export interface ThreadOptions {
  /** The thread's workerData (cloned). */
  data?: unknown;
}

/** A worker thread running the module at `entry`; `name` says what it does, in errors. */
export class Thread<In, Out> {
  private readonly worker: Worker;
  private failure: CairnError | undefined;
  private events: ThreadEvents<Out> | undefined;
  private closed = false;

  private constructor(entry: URL, private readonly name: string, options: ThreadOptions) {
    this.worker = new Worker(entry, { workerData: options.data });
    this.worker.on('message', (m: Out) => this.events?.message(m));
    this.worker.on('error', (err) => this.fail(err.message, err));
    this.worker.on('exit', () => this.fail('it exited'));
  }

  /** Starts a thread, or takes the one Thread.warm started for this entry (when there is no data). */
  static start<In, Out>(entry: URL, name: string, options: ThreadOptions = {}): Thread<In, Out> {
    if (options.data === undefined) {
      const w = warmed.get(entry.href);
      warmed.delete(entry.href);
      if (w && !w.failure) {
        w.worker.ref();
        return w as unknown as Thread<In, Out>;
      }
    }
    return new Thread<In, Out>(entry, name, options);
  }

  /**
   * Starts a thread for `entry` ahead of its first use, so that its start-up (a new isolate and
   * its code: 40-80 ms, more under load) overlaps other work; the next Thread.start of the same
   * entry without data takes it. Unused, it does not keep the process alive.
   */
  static warm(entry: URL, name: string): void {
    if (warmed.has(entry.href)) return;
    const t = new Thread<unknown, unknown>(entry, name, {});
    t.worker.unref();
    warmed.set(entry.href, t);
  }

  /** Where its messages and its failure go (replaces the previous listener). */
  listen(events: ThreadEvents<Out>): void {
    this.events = events;
    if (this.failure) events.failed(this.failure);
  }

  /** Posts a message; throws the thread's failure if it is gone. */
  post(m: In): void {
    if (this.failure) throw this.failure;
    this.worker.postMessage(m);
  }

  /** Stops the thread; nothing is reported after this. */
  close(): void {
    this.closed = true;
    void this.worker.terminate();
  }

  private fail(why: string, cause?: unknown): void {
    if (this.failure || this.closed) return;
    this.failure = new CairnError('INTERNAL', `${this.name} thread failed: ${why}`, cause ? { cause } : {});
    this.events?.failed(this.failure);
  }
}

/** Threads started ahead of need (Thread.warm), by entry URL, until Thread.start takes them. */
const warmed = new Map<string, Thread<unknown, unknown>>();

/** The thread's own side: its data, and its line to the thread that started it. */
export interface ParentLine<In, Out> {
  readonly data: unknown;
  onMessage(fn: (m: In) => void): void;
  post(m: Out): void;
}

/** The line to the parent, on a thread that Thread.start started; INTERNAL elsewhere. */
export function parentLine<In, Out>(): ParentLine<In, Out> {
  const port = parentPort;
  if (!port) throw new CairnError('INTERNAL', 'this code runs only on a worker thread');
  return {
    data: workerData as unknown,
    onMessage: (fn) => port.on('message', fn),
    post: (m) => port.postMessage(m),
  };
}
