import { createHash, type Hash } from 'node:crypto';
import { CairnError } from '../errors.js';
import { Decompressor } from './decompress.js';
import { entryRole, MAX_PATH_BYTES, normalizeEntryPath } from './paths.js';
import { TarReader, type TarEntryType, type TarHeader, type TarSink } from './tar.js';
import type { Compression, Limits } from './types.js';

// The work done on a layer's bytes as stored: decompression (with the cap on uncompressed
// bytes), the diff_id (sha256 of the whole uncompressed stream), the tar reader, and the
// changes it makes (with the sha256 of each regular file, hashed as it streams by). Runs on
// the calling thread, or on a worker thread for big layers (layer-thread).

/** One change a layer makes to the filesystem, in archive order. */
export type Change =
  | { op: 'add'; path: string; type: TarEntryType; mode: number; size: number; sha256?: string; linkname?: string; name: string }
  | { op: 'whiteout' | 'opaque'; path: string; name: string };

/** Running totals over all layers of an image, checked against the limits. */
export interface Budget {
  /** Uncompressed bytes. */
  bytes: number;
  entries: number;
  /** Characters of paths and link targets kept. */
  names: number;
}

/** What parsing a layer's bytes yields. */
export interface ParsedLayer {
  changes: Change[];
  entries: number;
  diffId: string;
  /** As read from the first bytes. */
  compression: Compression;
  /** Bytes of the uncompressed stream. */
  size: number;
}

/** Where a layer's bytes (as stored) go: pushed in order, then finished. */
export interface LayerParserPort {
  /** Takes the next chunk; a promise means "wait before pushing more". */
  push(chunk: Buffer): void | Promise<void>;
  /** After the last chunk: the changes, or the parse error. */
  finish(): Promise<ParsedLayer>;
  /** The parse error of a chunk already pushed, if any (called when the stream itself failed). */
  earlierError(): Promise<unknown>;
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');

/** Size of the buffer gzip decodes into: small enough that the hashes after it read from cache. */
export const INFLATE_CHUNK = 256 * 1024;

/** Parses a layer on the calling thread; errors are thrown from push and finish as they occur. */
export class LayerParser implements LayerParserPort {
  private readonly diff = createHash('sha256');
  private readonly collector: ChangeCollector;
  private readonly tar: TarReader;
  private readonly decompressor: Decompressor;
  private size = 0;

  /** `scratch` receives decoded gzip (reused: the worker keeps one for every layer). */
  constructor(
    private readonly limits: Limits,
    private readonly budget: Budget,
    scratch: Buffer = Buffer.allocUnsafe(INFLATE_CHUNK),
  ) {
    this.collector = new ChangeCollector(limits, budget);
    this.tar = new TarReader(this.collector, limits.maxHeaderBytes);
    this.decompressor = new Decompressor((chunk) => this.take(chunk), limits.maxZstdWindow, scratch);
  }

  push(chunk: Buffer): void {
    this.decompressor.push(chunk);
  }

  /** finish() without the promise (the worker thread calls it). */
  finishSync(): ParsedLayer {
    const compression = this.decompressor.end();
    this.tar.finish();
    const { changes, entries } = this.collector;
    return { changes, entries, diffId: `sha256:${this.diff.digest('hex')}`, compression, size: this.size };
  }

  // One piece of the uncompressed stream (a view the decoder reuses: nothing of it is kept).
  private take(chunk: Buffer): void {
    this.size += chunk.length;
    this.budget.bytes += chunk.length;
    if (this.budget.bytes > this.limits.maxUncompressedBytes) {
      throw new CairnError('TOO_LARGE', `image is larger than the limit of ${this.limits.maxUncompressedBytes} uncompressed bytes`);
    }
    this.diff.update(chunk);
    this.tar.push(chunk);
  }

  async finish(): Promise<ParsedLayer> {
    return this.finishSync();
  }

  async earlierError(): Promise<unknown> {
    return undefined;
  }
}

// Turns tar entries into changes, hashing regular files on the way.
class ChangeCollector implements TarSink {
  readonly changes: Change[] = [];
  entries = 0;
  private hash: Hash | undefined;
  private current: Extract<Change, { op: 'add' }> | undefined;

  constructor(
    private readonly limits: Limits,
    private readonly budget: Budget,
  ) {}

  entry(h: TarHeader): void {
    this.entries += 1;
    if (++this.budget.entries > this.limits.maxEntries) {
      throw new CairnError('TOO_LARGE', `image has more than the limit of ${this.limits.maxEntries} tar entries`);
    }
    const where = `tar entry ${JSON.stringify(h.name)} at byte ${h.offset}`;
    const role = entryRole(h.name, where);
    this.current = undefined;
    this.budget.names += h.name.length + h.linkname.length;
    if (this.budget.names > this.limits.maxPathBytes) {
      throw new CairnError('TOO_LARGE', `image has more than the limit of ${this.limits.maxPathBytes} bytes of names`);
    }
    if (role.role !== 'entry') {
      this.changes.push({ op: role.role, path: role.path, name: h.name });
      return;
    }
    if (role.path === '') {
      if (h.type === 'dir') return; // the root directory itself: its attributes are not recorded
      throw new CairnError('ARCHIVE_INVALID', `${where} replaces the image root`);
    }
    const change: Extract<Change, { op: 'add' }> = { op: 'add', path: role.path, type: h.type, mode: h.mode, size: h.size, name: h.name };
    if (h.type === 'symlink') {
      if (Buffer.byteLength(h.linkname) > MAX_PATH_BYTES) throw new CairnError('ARCHIVE_INVALID', `${where} is a symlink to a target longer than ${MAX_PATH_BYTES} bytes`);
      change.linkname = h.linkname;
      change.size = Buffer.byteLength(h.linkname);
    } else if (h.type === 'hardlink') {
      if (h.linkname === '') throw new CairnError('ARCHIVE_INVALID', `${where} is a hard link without a target`);
      change.linkname = normalizeEntryPath(h.linkname, `${where} (hard link to ${JSON.stringify(h.linkname)})`);
    } else if (h.type === 'file') {
      if (h.size === 0) change.sha256 = EMPTY_SHA256;
      else this.hash = createHash('sha256');
    }
    this.current = change;
    this.changes.push(change);
  }

  data(chunk: Buffer): void {
    this.hash?.update(chunk);
  }

  end(): void {
    if (this.hash && this.current) this.current.sha256 = this.hash.digest('hex');
    this.hash = undefined;
    this.current = undefined;
  }
}
