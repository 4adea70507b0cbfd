import { CairnError } from '../errors.js';

// Bounded concurrency with backpressure: at most `limit` jobs run at once (per registry), the
// rest wait in line, and the line itself is bounded (shared by every registry) so that a flood
// of distinct cold images is refused quickly instead of growing memory.

export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number, private readonly queue: { size: number; max: number }) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      if (this.queue.size >= this.queue.max) throw new CairnError('REGISTRY_ERROR', `busy: ${this.queue.size} verifications waiting; retry`);
      this.queue.size++;
      // the slot is handed over by the job that finishes (active is not lowered in between)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.queue.size--;
    } else {
      this.active++;
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
