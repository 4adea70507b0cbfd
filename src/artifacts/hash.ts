import { closeSync, openSync, readSync } from 'node:fs';
import { createHash, hash as oneShot, type Hash } from 'node:crypto';
import { fsError } from '../errors.js';

// One file's sha256, read synchronously into a reused buffer: for the small files that make up
// most trees, open+read+close on the calling thread is several times faster than fs.promises.
// A file that fits the buffer (nearly all of them) is hashed in one call, without a Hash
// object: 7 instead of 9.5 µs per 1 KiB file.

const CHUNK = 1 << 20;
let scratch: Buffer | undefined;

/** sha256 of a file's contents (optionally with line endings normalised), read synchronously. */
export function hashFile(path: string, normalizeLineEndings = false): string {
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
      return oneShot('sha256', Buffer.from(text, 'latin1'), 'hex');
    }
    // Fill the buffer; hash it whenever it is full; what is left at the end is the whole
    // file when the buffer was never full.
    scratch ??= Buffer.allocUnsafe(CHUNK);
    let hash: Hash | undefined;
    let filled = 0;
    for (;;) {
      const n = readSync(fd, scratch, filled, CHUNK - filled, null);
      if (n === 0) break;
      filled += n;
      if (filled === CHUNK) {
        (hash ??= createHash('sha256')).update(scratch);
        filled = 0;
      }
    }
    if (!hash) return oneShot('sha256', scratch.subarray(0, filled), 'hex');
    return hash.update(scratch.subarray(0, filled)).digest('hex');
  } catch (err) {
    throw fsError(err, path);
  } finally {
    closeSync(fd);
  }
}
