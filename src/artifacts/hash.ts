import { closeSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fsError } from '../errors.js';

// One file's sha256, read synchronously into a reused buffer: for the small files that make up
// most trees, open+read+close on the calling thread is several times faster than fs.promises.

const CHUNK = 1 << 20;
let scratch: Buffer | undefined;

/** sha256 of a file's contents (optionally with line endings normalised), read synchronously. */
export function hashFile(path: string, normalizeLineEndings = false): string {
  const hash = createHash('sha256');
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw fsError(err, path);
  }
  try {
    if (normalizeLineEndings) {
      const parts: Buffer[] = [];
      for (;;) {
        const buf = Buffer.allocUnsafe(CHUNK);
        const n = readSync(fd, buf, 0, CHUNK, null);
        if (n === 0) break;
        parts.push(buf.subarray(0, n));
      }
      const text = Buffer.concat(parts).toString('latin1').replace(/\r\n?/g, '\n');
      hash.update(Buffer.from(text, 'latin1'));
    } else {
      scratch ??= Buffer.allocUnsafe(CHUNK);
      for (;;) {
        const n = readSync(fd, scratch, 0, CHUNK, null);
        if (n === 0) break;
        hash.update(n === CHUNK ? scratch : scratch.subarray(0, n));
      }
    }
  } catch (err) {
    throw fsError(err, path);
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
