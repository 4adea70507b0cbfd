import { CairnError } from '../errors.js';
import { decompressInto } from './decompress.js';
import { LayerParser, type Budget, type Change, type LayerParserPort } from './layer-parse.js';
import type { LayerThread } from './layer-thread.js';
import type { LayerReport, LayerSource, Limits } from './types.js';
import { isLayerMediaType } from '../oci/index.js';

// Reads one layer into the list of changes it makes, in archive order: entries (with the
// sha256 of each regular file, hashed as it streams by), whiteouts and opaque markers. The
// diff_id (sha256 of the whole uncompressed stream) is computed on the same pass. Nothing is
// kept of the content but hashes, and nothing touches the disk. Big layers are parsed on a
// worker thread (when one is given), in step with the download.

export type { Budget, Change } from './layer-parse.js';

/** A layer read: its changes and how it was read. */
export interface LayerChanges {
  changes: Change[];
  report: LayerReport;
}

/** Compressed size from which a layer is parsed on the layer thread (FlattenOptions.threadFrom). */
export const THREAD_FROM = 16 * 1024 * 1024;

/** Streams one layer through decompression, the tar reader and the hashes. */
export async function readLayer(source: LayerSource, limits: Limits, budget: Budget, thread?: LayerThread, threadFrom = THREAD_FROM): Promise<LayerChanges> {
  const where = `layer ${source.digest}`;
  if (!isLayerMediaType(source.mediaType)) {
    throw new CairnError('UNSUPPORTED', `layer media type ${JSON.stringify(source.mediaType)} is not supported`, { where });
  }
  // zstd is decoded by synchronous callbacks that cannot wait for the thread: parsed here.
  let parser: LayerParserPort | undefined;
  const parserFor = (zstd: boolean): LayerParserPort =>
    (parser ??= thread && !zstd && (source.size ?? 0) >= threadFrom ? thread.parser(limits, budget) : new LayerParser(limits, budget));
  let size = 0;
  const feed = (chunk: Buffer, zstd: boolean): void | Promise<void> => {
    size += chunk.length;
    budget.bytes += chunk.length;
    if (budget.bytes > limits.maxUncompressedBytes) {
      throw new CairnError('TOO_LARGE', `image is larger than the limit of ${limits.maxUncompressedBytes} uncompressed bytes`);
    }
    return parserFor(zstd).push(chunk);
  };
  const stream = await source.open();
  let compression;
  try {
    compression = await decompressInto(stream, feed, limits.maxZstdWindow, where);
  } catch (err) {
    // On this thread a bad byte fails when it is parsed, before the stream can fail later on:
    // the thread's verdict on the bytes it already has comes first.
    const earlier = await parser?.earlierError();
    throw earlier ? located(earlier, where) : err;
  }
  let parsed;
  try {
    parsed = await parserFor(compression === 'zstd').finish();
  } catch (err) {
    throw located(err, where);
  }
  const report: LayerReport = {
    digest: source.digest,
    mediaType: source.mediaType,
    compression,
    diffId: parsed.diffId,
    uncompressedSize: size,
    entries: parsed.entries,
  };
  return { changes: parsed.changes, report };
}

function located(err: unknown, where: string): unknown {
  return err instanceof CairnError ? err.at(where) : err;
}
