// The local disk: atomic writes (temp file + fsync + rename) and bounded, located reads.
export { type AtomicWriteOptions, writeFileAtomic } from './atomic.js';
export { MAX_METADATA_FILE, readInputFile, readInputText } from './read.js';
