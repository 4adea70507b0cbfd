import { readFileSync, statSync } from 'node:fs';
import { CairnError, fsError } from '../errors.js';

/** Default cap on a metadata file read from disk (links of 100k artifacts are ~20 MB). */
export const MAX_METADATA_FILE = 512 * 1024 * 1024;

/** Reads a small input file (key, layout, link), with a size cap and a located error. */
export function readInputFile(path: string, maxBytes = MAX_METADATA_FILE): Buffer {
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new CairnError('INVALID_ARGUMENT', 'is a directory, expected a file', { where: path });
    if (st.size > maxBytes) throw new CairnError('TOO_LARGE', `file is larger than the limit of ${maxBytes} bytes`, { where: path });
    return readFileSync(path);
  } catch (err) {
    throw fsError(err, path);
  }
}

/** readInputFile as UTF-8 text. */
export function readInputText(path: string, maxBytes?: number): string {
  return readInputFile(path, maxBytes).toString('utf8');
}
