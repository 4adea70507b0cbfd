import { createWriteStream, type WriteStream } from 'node:fs';

// The gate's JSON log lines, written without ever blocking a request. node writes to a pipe
// synchronously on Linux (its standard output), so a log reader that falls behind (a busy log
// shipper, a full 64 KiB pipe) stopped the whole gate inside console output: every decision
// waited for it. Here lines gathered during one turn of the event loop go out as one write, from
// libuv's thread pool (fs.write), in order; past `maxBuffered` bytes not yet taken by the
// reader, lines are dropped and counted, and the count is logged once the reader catches up.
// A deploy gate must answer; a log line is worth less than an answer.

export class LogSink {
  private readonly stream: WriteStream;
  private pending: string[] = [];
  private scheduled = false;
  /** Lines dropped since the last line written (reported in a line of its own). */
  private dropped = 0;
  /** Lines dropped in all. */
  droppedTotal = 0;

  constructor(fd: number, private readonly maxBuffered = 4 * 1024 * 1024) {
    this.stream = createWriteStream('', { fd, autoClose: false });
    // a reader that went away (EPIPE) must not take the gate down with it
    this.stream.on('error', () => undefined);
  }

  /** Queues one record as a JSON line; never blocks, never throws. */
  write(record: Record<string, unknown>): void {
    if (this.stream.writableLength > this.maxBuffered) {
      this.dropped++;
      this.droppedTotal++;
      return;
    }
    if (this.dropped > 0) {
      this.pending.push(line({ level: 'warn', msg: 'log lines dropped', count: this.dropped, reason: 'the log reader fell behind' }));
      this.dropped = 0;
    }
    this.pending.push(line(record));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    this.stream.write(this.pending.join(''));
    this.pending = [];
  }

  /** Writes what is queued and waits until the reader took it (or `ms` passed). */
  async close(ms = 5000): Promise<void> {
    this.flush();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.stream.end(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
  }
}

function line(record: Record<string, unknown>): string {
  return `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`;
}
