// A budget of bytes for work in flight: a task of `bytes` starts only while the bytes of the
// tasks running, its own included, fit the budget; otherwise it waits until enough have
// finished. A task larger than the whole budget runs alone (else it would never start), and
// waiting tasks start in the order they came, so that a big one is not passed over forever by
// small ones. The bytes are released however the task ends, a failure included.
//
// Why: memory that is not the tasks' result (the text of a big file, its parse graph, buffers)
// lives until its thread's garbage collector runs, so two big tasks at once cost nearly twice
// the peak of one (docs/bench.md, "Issue 19: memory").

interface Waiter {
  bytes: number;
  start: () => void;
}

/** At most `limit` bytes of tasks at once; one task at a time when a task alone exceeds it. */
export class ByteBudget {
  private inFlight = 0;
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly limit: number) {}

  /** Bytes of the tasks running now. */
  get bytesInFlight(): number {
    return this.inFlight;
  }

  /** Runs `task` once its bytes fit; resolves or rejects as it does, then lets others in. */
  async run<R>(bytes: number, task: () => Promise<R>): Promise<R> {
    await this.admit(bytes);
    try {
      return await task();
    } finally {
      this.inFlight -= bytes;
      this.running--;
      this.startWaiting();
    }
  }

  private fits(bytes: number): boolean {
    return this.running === 0 || this.inFlight + bytes <= this.limit;
  }

  private admit(bytes: number): Promise<void> {
    if (this.waiting.length === 0 && this.fits(bytes)) {
      this.take(bytes);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push({ bytes, start: resolve }));
  }

  private take(bytes: number): void {
    this.inFlight += bytes;
    this.running++;
  }

  // In order of arrival: the first waiter that does not fit holds back the ones behind it.
  private startWaiting(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.bytes)) {
      const w = this.waiting.shift()!;
      this.take(w.bytes);
      w.start();
    }
  }
}
