import { createHash, type Hash } from 'node:crypto';
import { CairnError } from '../../errors.js';
import { decompressInto } from './decompress.js';
import { entryRole, MAX_PATH_BYTES, normalizeEntryPath } from './paths.js';
import { TarReader, type TarEntryType, type TarHeader, type TarSink } from './tar.js';
import type { LayerReport, LayerSource, Limits } from './types.js';
import { isLayerMediaType } from '../../oci/index.js';

// Reads one layer into the list of changes it makes, in archive order: entries (with the
// sha256 of each regular file, hashed as it streams by), whiteouts and opaque markers. The
// diff_id (sha256 of the whole uncompressed stream) is computed on the same pass. Nothing is
// kept of the content but hashes, and nothing touches the disk.

/** One change a layer makes to the filesystem, in archive order. */
export type Change =
  | { op: 'add'; path: string; type: TarEntryType; mode: number; size: number; sha256?: string; linkname?: string; name: string }
  | { op: 'whiteout' | 'opaque'; path: string; name: string };

/** Running totals over all layers of an image, checked against the limits. */
export interface Budget {
  bytes: number;
  entries: number;
  /** Characters of paths and link targets kept. */
  names: number;
}

/** A layer read: its changes and how it was read. */
export interface LayerChanges {
  changes: Change[];
  report: LayerReport;
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');

/** Streams one layer through decompression, the tar reader and the hashes. */
export async function readLayer(source: LayerSource, limits: Limits, budget: Budget): Promise<LayerChanges> {
  const where = `layer ${source.digest}`;
  if (!isLayerMediaType(source.mediaType)) {
    throw new CairnError('UNSUPPORTED', `layer media type ${JSON.stringify(source.mediaType)} is not supported`, { where });
  }
  const collector = new ChangeCollector(limits, budget);
  const tar = new TarReader(collector, limits.maxHeaderBytes);
  const diff = createHash('sha256');
  let size = 0;
  const feed = (chunk: Buffer): void => {
    size += chunk.length;
    budget.bytes += chunk.length;
    if (budget.bytes > limits.maxUncompressedBytes) {
      throw new CairnError('TOO_LARGE', `image is larger than the limit of ${limits.maxUncompressedBytes} uncompressed bytes`);
    }
    diff.update(chunk);
    tar.push(chunk);
  };
  const stream = await source.open();
  const compression = await decompressInto(stream, feed, limits.maxZstdWindow, where);
  try {
    tar.finish();
  } catch (err) {
    throw err instanceof CairnError ? err.at(where) : err;
  }
  const report: LayerReport = {
    digest: source.digest,
    mediaType: source.mediaType,
    compression,
    diffId: `sha256:${diff.digest('hex')}`,
    uncompressedSize: size,
    entries: collector.entries,
  };
  return { changes: collector.changes, report };
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
    if (role.role === 'ignore') return;
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
