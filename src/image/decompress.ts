import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { CairnError } from '../errors.js';
import type { Compression } from './types.js';
import { ZstdStream } from './zstd.js';

// Decompression of a layer stream into a synchronous consumer. The compression is read from
// the first bytes (gzip 1f 8b, zstd 28 b5 2f fd, anything else is a plain tar), the way
// containerd's DecompressStream does, so a layer whose media type says `+gzip` but holds a plain
// tar is read as the runtime reads it; the media type only decides whether a layer is
// supported at all. gzip runs on zlib's thread pool, zstd on fzstd in this thread.

const GZIP_CHUNK = 256 * 1024;
// zlib works on the thread pool, one round trip per write: network chunks (about 64 KiB) are
// gathered into writes of this size, which cuts the round trips (and context switches) 16-fold.
const GZIP_INPUT = 1024 * 1024;

/** The compression named by the first bytes of a layer. */
export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/**
 * Takes the uncompressed bytes in order (told whether they come from zstd, whose decoder cannot
 * wait); a returned promise asks the reader to wait before the next chunk.
 */
export type Feed = (chunk: Buffer, zstd: boolean) => void | Promise<void>;

/**
 * Reads `stream` to its end (so that a verifying stream checks its digest), decompressing into
 * `feed`. Errors thrown by `feed` and by the decoders are located at `where`; errors of the
 * stream itself (a digest mismatch, a network failure) pass through unchanged.
 */
export async function decompressInto(stream: Readable, feed: Feed, maxZstdWindow: number, where: string): Promise<Compression> {
  const ours = new WeakSet<object>();
  const locate = (err: unknown): unknown => {
    const located = err instanceof CairnError ? err.at(where) : err;
    if (located && typeof located === 'object') ours.add(located);
    return located;
  };
  const guard = (fn: () => void | Promise<void>): void | Promise<void> => {
    let result;
    try {
      result = fn();
    } catch (err) {
      throw locate(err);
    }
    return result?.catch((err: unknown) => {
      throw locate(err);
    });
  };
  const source = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let compression: Compression = 'none';
  try {
    const head = await readHead(source);
    compression = sniffCompression(head);
    const body = replay(head, source);
    if (compression === 'gzip') {
      await pipeline(gather(body, GZIP_INPUT), createGunzip({ chunkSize: GZIP_CHUNK }), async (out: AsyncIterable<Buffer>) => {
        for await (const chunk of out) await guard(() => feed(chunk, false));
      });
    } else if (compression === 'zstd') {
      const zstd = new ZstdStream((chunk) => void feed(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), true), maxZstdWindow);
      for await (const chunk of body) guard(() => zstd.push(chunk));
      guard(() => zstd.end());
    } else {
      for await (const chunk of body) await guard(() => feed(chunk, false));
    }
  } catch (err) {
    stream.destroy();
    throw classify(err, ours, where);
  }
  return compression;
}

// Reads chunks until at least 4 bytes (enough to sniff) or the end.
async function readHead(source: AsyncIterator<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  while (n < 4) {
    const next = await source.next();
    if (next.done) break;
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    parts.push(chunk);
    n += chunk.length;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

// The head again, then the rest of the source; closing it early closes the source.
async function* replay(head: Buffer, source: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    if (head.length > 0) yield head;
    for (;;) {
      const next = await source.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await source.return?.();
  }
}

// The chunks of `source`, joined into chunks of at least `size` bytes (the last may be smaller).
async function* gather(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let have = 0;
  for await (const chunk of source) {
    parts.push(chunk);
    have += chunk.length;
    if (have >= size) {
      yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, have);
      parts = [];
      have = 0;
    }
  }
  if (have > 0) yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, have);
}

function classify(err: unknown, ours: WeakSet<object>, where: string): unknown {
  if (err && typeof err === 'object' && ours.has(err)) return err;
  if (err instanceof CairnError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (code.startsWith('Z_')) {
    const what = code === 'Z_BUF_ERROR' ? 'gzip stream is truncated' : `gzip data is invalid: ${(err as Error).message}`;
    return new CairnError('ARCHIVE_INVALID', what, { where, cause: err });
  }
  return new CairnError('IO_ERROR', `cannot read layer: ${err instanceof Error ? err.message : String(err)}`, { where, cause: err });
}
