import { closeSync, constants, createReadStream, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { Readable } from 'node:stream';
import { CairnError, fsError } from '../../errors.js';

// An OCI layout directory is untrusted input: it is the air-gap transfer format, and whoever
// wrote the USB stick chose what its files are. Every file Cairn reads from one (oci-layout,
// index.json, blobs) is opened without following a symlink (O_NOFOLLOW) and without blocking
// on a FIFO (O_NONBLOCK), must then be a regular file (fstat on the opened descriptor, so
// nothing can be swapped in between), and is read only up to the size known beforehand: a
// blob's descriptor size, or a cap. A symlink to /dev/zero used to be read until the process
// died, and a FIFO blocked it forever.

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a directory';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

/** Opens a regular file of a layout for reading; returns the descriptor and its size. */
export function openRegular(path: string, where = path): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new CairnError('UNSAFE_PATH', 'is a symbolic link; the files of an OCI layout must be regular files', { where });
    if (code === 'ENOENT') throw new CairnError('NOT_FOUND', 'not found', { where });
    throw fsError(err, where);
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new CairnError('UNSAFE_PATH', `not a regular file (${kindOf(st)}); the files of an OCI layout must be regular files`, { where });
  }
  return { fd, size: st.size };
}

/** True when `path` is a regular file (not a symlink to one). */
export function isRegularFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** Reads a whole regular file of at most `maxBytes`, refused by its size before any byte is read. */
export function readRegular(path: string, maxBytes: number, where = path): Buffer {
  const { fd, size } = openRegular(path, where);
  try {
    if (size > maxBytes) throw new CairnError('TOO_LARGE', `${size} bytes is larger than the limit of ${maxBytes}`, { where });
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return off === size ? buf : buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/** A stream of a blob whose file must be exactly `size` bytes; reads stop at `size`. */
export function openBlob(path: string, size: number, where = path): Readable {
  const { fd, size: actual } = openRegular(path, where);
  if (actual !== size) {
    closeSync(fd);
    throw new CairnError('DIGEST_MISMATCH', `the blob file is ${actual} bytes, but its descriptor says ${size}`, { where });
  }
  if (size === 0) {
    closeSync(fd);
    return Readable.from([]);
  }
  return createReadStream('', { fd, start: 0, end: size - 1, autoClose: true });
}
