import { readInputFile } from '../disk/index.js';

// File access as a parameter (as tuf-js takes its fetcher): a job reads its inputs through a
// FileReader, so a server can serve them from memory or refuse the disk altogether, and a test
// can hand it bytes. The default reads the local disk with Cairn's size cap.

/** Reads a whole input file (at most `maxBytes`), or throws a CairnError naming it. */
export type FileReader = (path: string, maxBytes?: number) => Buffer;

/** The local disk. */
export const diskReader: FileReader = (path, maxBytes) => readInputFile(path, maxBytes);
