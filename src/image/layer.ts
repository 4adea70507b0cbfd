import type { Readable } from 'node:stream';
import { CairnError } from '../errors.js';
import { LayerParser, type Budget, type Change, type LayerParserPort } from './layer-parse.js';
import type { LayerThread } from './layer-thread.js';
import type { LayerReport, LayerSource, Limits } from './types.js';
import { isLayerMediaType } from '../oci/index.js';

// Reads one layer into the list of changes it makes, in archive order: entries (with the
// sha256 of each regular file, hashed as it streams by), whiteouts and opaque markers. The
// diff_id (sha256 of the whole uncompressed stream) is computed on the same pass. Nothing is
// kept of the content but hashes, and nothing touches the disk. Big layers are decompressed
// and parsed on a worker thread (when one is given), in step with the download.

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
  const stream = await source.open();
  const parser = thread && (source.size ?? 0) >= threadFrom ? thread.parser(limits, budget) : new LayerParser(limits, budget);
  const failed: { parser?: unknown } = {};
  try {
    await pump(stream, parser, failed);
  } catch (err) {
    stream.destroy();
    if ('parser' in failed) throw located(failed.parser, where);
    // The stream failed: a bad byte already pushed is reported first, as it would have failed
    // before the stream could (the thread may not have reached it yet).
    const earlier = await parser.earlierError();
    throw earlier ? located(earlier, where) : fromStream(err, where);
  }
  let parsed;
  try {
    parsed = await parser.finish();
  } catch (err) {
    throw located(err, where);
  }
  const report: LayerReport = {
    digest: source.digest,
    mediaType: source.mediaType,
    compression: parsed.compression,
    diffId: parsed.diffId,
    uncompressedSize: parsed.size,
    entries: parsed.entries,
  };
  return { changes: parsed.changes, report };
}

// Reads `stream` to its end (so that a verifying stream checks its size and digest), pushing
// every chunk to the parser and waiting when it asks to; a parser error is noted in `failed`.
async function pump(stream: Readable, parser: LayerParserPort, failed: { parser?: unknown }): Promise<void> {
  for await (const chunk of stream) {
    try {
      const wait = parser.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      if (wait) await wait;
    } catch (err) {
      failed.parser = err;
      throw err;
    }
  }
}

function located(err: unknown, where: string): unknown {
  return err instanceof CairnError ? err.at(where) : err;
}

// Errors of the stream itself (a digest mismatch, a network failure) pass through unchanged.
function fromStream(err: unknown, where: string): unknown {
  if (err instanceof CairnError) return err;
  return new CairnError('IO_ERROR', `cannot read layer: ${err instanceof Error ? err.message : String(err)}`, { where, cause: err });
}
