import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { LogSink } from '../../../src/serve/index.js';
import { tmpDir } from '../../helpers/tmp.js';

// The gate's log lines must never stop a decision (issue 16: "never the reason a deploy hangs").
// A FIFO opened read-write is a pipe nobody reads: once its 64 KiB buffer is full, a blocking
// write (node's process.stdout on a pipe, on Linux) waits forever. The sink must keep returning
// at once, drop what the reader cannot take, and say how much it dropped when the reader is back.

// The write end (blocking, as a log pipe is) and a non-blocking read end, read only when asked.
function fifo(): { writer: number; reader: number } {
  const path = join(tmpDir(), 'log.fifo');
  execFileSync('mkfifo', [path]);
  const writer = openSync(path, 'r+');
  return { writer, reader: openSync(path, constants.O_RDONLY | constants.O_NONBLOCK) };
}

// Whatever the pipe holds now.
function drain(fd: number): string {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(1 << 16);
  for (;;) {
    try {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(Buffer.from(buf.subarray(0, n)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break;
      throw err;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

describe('the gate log sink', () => {
  it('never blocks on a reader that stopped reading, drops past its cap, then reports the drop', async () => {
    const { writer, reader } = fifo();
    const sink = new LogSink(writer, 256 * 1024);
    const record = { level: 'info', msg: 'decision', key: 'x'.repeat(400) };
    // 10,000 lines (4.5 MB) into a pipe that holds 64 KiB: a blocking writer would hang here
    for (let turn = 0; turn < 100; turn++) {
      for (let i = 0; i < 100; i++) sink.write(record);
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(sink.droppedTotal > 0, 'lines beyond the cap are dropped, not buffered without end');
    assert.ok(sink.droppedTotal < 10_000, 'lines up to the cap are kept');
    // the reader catches up: what was kept arrives whole and in order, then the drop is reported
    let text = '';
    for (let i = 0; i < 200 && !text.includes('log lines dropped'); i++) {
      text += drain(reader);
      sink.write({ level: 'info', msg: 'after' });
      await new Promise((r) => setTimeout(r, 5));
    }
    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.length > 100);
    assert.deepEqual(Object.keys(lines[0]!), ['time', 'level', 'msg', 'key']);
    const report = lines.find((l) => l['msg'] === 'log lines dropped');
    assert.ok(report, 'the drop is reported once the reader is back');
    assert.ok(Number(report['count']) > 0);
    await sink.close(1000);
    closeSync(writer);
    closeSync(reader);
  });

  it('keeps every line in order across many turns, and close() waits until they are written', async () => {
    const { writer, reader } = fifo();
    const sink = new LogSink(writer);
    let text = '';
    for (let i = 0; i < 300; i++) {
      sink.write({ level: 'info', msg: 'n', i });
      if (i % 7 === 0) await new Promise((r) => setImmediate(r));
      if (i % 50 === 0) text += drain(reader);
    }
    await sink.close(2000);
    text += drain(reader);
    const seen = text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { i: number }).i);
    assert.deepEqual(seen, [...Array(300).keys()]);
    assert.equal(sink.droppedTotal, 0);
    closeSync(writer);
    closeSync(reader);
  });

  it('writes a record given as JSON text the same way, with the time first', async () => {
    const { writer, reader } = fifo();
    const sink = new LogSink(writer);
    sink.writeJson(JSON.stringify({ level: 'info', msg: 'decision', key: 'a"b' }));
    sink.write({ level: 'info', msg: 'decision', key: 'a"b' });
    await sink.close(1000);
    const [a, b] = drain(reader).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(Object.keys(a!), ['time', 'level', 'msg', 'key']);
    assert.deepEqual({ ...a, time: 0 }, { ...b, time: 0 });
    closeSync(writer);
    closeSync(reader);
  });

  it('survives a log that cannot be written (ENOSPC): no throw, lines counted as dropped', async () => {
    const fd = openSync('/dev/full', 'w');
    const sink = new LogSink(fd);
    sink.write({ level: 'info', msg: 'first' });
    await sink.close(1000);
    for (let i = 0; i < 10; i++) sink.write({ level: 'info', msg: 'later' });
    assert.equal(sink.droppedTotal, 10);
    await sink.close(1000);
    closeSync(fd);
  });
});
