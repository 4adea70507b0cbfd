import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync, constants, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { CairnError, fsError } from '../errors.js';

// Files Cairn writes (links, keys, layouts, reports) appear whole or not at all: the bytes go
// to a temp file beside the target, are fsynced, and the temp file is renamed over the target.
// A crash or kill -9 leaves at most a `.name.tmp-*` file, never half a target.

export interface AtomicWriteOptions {
  /** File mode for a new file (0o600 for private keys). */
  mode?: number;
  /** Refuse to replace an existing file (ALREADY_EXISTS) unless true. */
  overwrite?: boolean;
}

/** Writes `data` to `path` atomically. */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const { mode = 0o644, overwrite = true } = options;
  if (!overwrite && existsSync(path)) {
    throw new CairnError('ALREADY_EXISTS', 'file exists', { where: path, details: { reason: 'file-exists' } });
  }
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (!overwrite && existsSync(path)) {
      throw new CairnError('ALREADY_EXISTS', 'file exists', { where: path, details: { reason: 'file-exists' } });
    }
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // the temp file was never created or is already renamed
    }
    throw fsError(err, path, 'cannot write');
  }
}
