import { join } from 'node:path';
import { CairnError, isCairnError } from '../../errors.js';
import { parseJson } from '../../encoding/index.js';
import { writeFileAtomic } from '../../disk/index.js';
import { IndexSchema, parseWith, type Index } from '../../schema/index.js';
import { MAX_MANIFEST_BYTES } from '../store.js';
import { OCI_INDEX } from '../mediatypes.js';
import { withLockFile } from './lock.js';
import { readRegular } from './regular-file.js';

/** Largest index.json read (it lists every referrer of every image in the layout). */
export const MAX_INDEX_FILE_BYTES = MAX_MANIFEST_BYTES * 16;

// index.json of an OCI image layout. Readers see a whole file (it is replaced atomically by
// rename). Writers are serialised twice: within the process by a queue per directory, and
// across processes by `index.json.lock` (lock.ts). Each update re-reads the file under the
// lock, so concurrent writers never lose each other's entries.
// Spec: https://github.com/opencontainers/image-spec/blob/main/image-layout.md#indexjson-file

const queues = new Map<string, Promise<unknown>>();

/** Reads and checks index.json (size-capped). */
export function readIndexFile(dir: string): Index {
  const path = join(dir, 'index.json');
  let text: Buffer;
  try {
    text = readRegular(path, MAX_INDEX_FILE_BYTES);
  } catch (err) {
    if (isCairnError(err, 'NOT_FOUND')) throw new CairnError('NOT_FOUND', 'not an OCI image layout (no index.json)', { where: dir });
    throw err;
  }
  return parseWith(IndexSchema, parseJson(text, path), path);
}

/** Writes index.json atomically (no lock: for creating a new layout). */
export function writeIndexFile(dir: string, index: Index): void {
  writeFileAtomic(join(dir, 'index.json'), `${JSON.stringify(index)}\n`);
}

/** An empty index.json document. */
export function emptyIndex(): Index {
  return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
}

/** Applies `change` to index.json under both locks; `change` returns false to skip writing. */
export async function updateIndexFile(dir: string, change: (index: Index) => boolean): Promise<void> {
  const previous = queues.get(dir) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() =>
    withLockFile(join(dir, 'index.json.lock'), async () => {
      const index = readIndexFile(dir);
      if (change(index)) writeIndexFile(dir, index);
    }),
  );
  queues.set(dir, next);
  try {
    await next;
  } finally {
    if (queues.get(dir) === next) queues.delete(dir);
  }
}
