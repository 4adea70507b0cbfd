import { write as fsWrite } from 'node:fs';

// The gate's JSON log lines, written without ever blocking a request. node writes to a pipe
// synchronously on Linux (its standard output), so a log reader that falls behind (a busy log
// shipper, a full 64 KiB pipe) stopped the whole gate inside console output: every decision
// waited for it. Here lines go out from libuv's thread pool (fs.write), in order, one write at a
// time, gathered for up to FLUSH_MS: a busy gate makes a hundred large writes a second, not one
// per event-loop turn (an fs.write costs its caller ~20 µs on this machine, queueing the work and
// waking a pool thread; a write per turn was a fifth of a cached answer's CPU in a profile of
// 2026-12-03). Past `maxBuffered` bytes not yet
// taken by the reader, lines are dropped and counted, and the count is logged once the reader
// catches up. A deploy gate must answer; a log line is worth less than an answer.

/** How long a line may wait to be written with the ones after it. */
const FLUSH_MS = 10;

export class LogSink {
  private pending: string[] = [];
  private pendingBytes = 0;
  private inFlightBytes = 0;
  private scheduled = false;
  private writing = false;
  private broken = false;
  private closing = false;
  private idle: Array<() => void> = [];
  /** Lines dropped since the last line written (reported in a line of its own). */
  private dropped = 0;
  /** Lines dropped in all. */
  droppedTotal = 0;

  constructor(private readonly fd: number, private readonly maxBuffered = 4 * 1024 * 1024) {}

  /** Queues one record as a JSON line; never blocks, never throws. */
  write(record: Record<string, unknown>): void {
    if (this.admit()) this.enqueue(line(record));
  }

  /** write() for a record already serialized as a JSON object (`{...}`, without `time`). */
  writeJson(json: string): void {
    if (this.admit()) this.enqueue(timed(json));
  }

  private admit(): boolean {
    if (this.broken || this.pendingBytes + this.inFlightBytes > this.maxBuffered) {
      this.dropped++;
      this.droppedTotal++;
      return false;
    }
    if (this.dropped > 0) {
      this.queue(line({ level: 'warn', msg: 'log lines dropped', count: this.dropped, reason: 'the log reader fell behind' }));
      this.dropped = 0;
    }
    return true;
  }

  private enqueue(text: string): void {
    this.queue(text);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      this.flush();
    }, FLUSH_MS);
  }

  private queue(text: string): void {
    this.pending.push(text);
    this.pendingBytes += text.length; // UTF-16 units: close enough for a cap
  }

  private flush(): void {
    if (this.writing || this.pending.length === 0) return this.settle();
    const buf = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingBytes = 0;
    this.inFlightBytes = buf.length;
    this.writing = true;
    this.writeAll(buf, 0);
  }

  private writeAll(buf: Buffer, offset: number): void {
    fsWrite(this.fd, buf, offset, buf.length - offset, null, (err, n) => {
      if (err && (err as NodeJS.ErrnoException).code === 'EAGAIN') {
        // a non-blocking pipe that is full: try again shortly, keeping the order
        setTimeout(() => this.writeAll(buf, offset), 5).unref();
        return;
      }
      if (err) {
        // the reader went away (EPIPE, EBADF): the gate goes on without logs
        this.broken = true;
        this.droppedTotal += this.pending.length;
        this.pending = [];
        this.pendingBytes = 0;
      } else if (offset + n < buf.length) {
        this.writeAll(buf, offset + n);
        return;
      }
      this.writing = false;
      this.inFlightBytes = 0;
      if (this.closing) this.flush();
      else if (this.pending.length > 0) this.schedule();
      else this.settle();
    });
  }

  private settle(): void {
    if (this.writing || this.scheduled || this.pending.length > 0) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Writes what is queued and waits until the reader took it (or `ms` passed). */
  async close(ms = 5000): Promise<void> {
    if (this.dropped > 0 && !this.broken) {
      this.queue(line({ level: 'warn', msg: 'log lines dropped', count: this.dropped, reason: 'the log reader fell behind' }));
      this.dropped = 0;
    }
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => {
        this.idle.push(resolve);
        this.flush();
      }),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
  }
}

// The time, formatted once per millisecond (a busy gate logs many lines in one).
let lastMs = -1;
let lastIso = '';

function now(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

// A JSON object's text as a log line, with the time as its first member.
function timed(json: string): string {
  return `{"time":"${now()}"${json.length > 2 ? `,${json.slice(1)}` : '}'}\n`;
}

function line(record: Record<string, unknown>): string {
  return 'time' in record ? `${JSON.stringify({ time: now(), ...record })}\n` : timed(JSON.stringify(record));
}
