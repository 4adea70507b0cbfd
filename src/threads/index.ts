// Work on other threads and bounded concurrency, in one place: one worker pool (pool.ts), one
// thread wrapper for a thread with a protocol of its own (thread.ts), bytes streamed to a thread
// through shared memory (ring.ts), one codec for errors that cross threads (errors.ts), one
// limiter for async work (limit.ts) and one for bytes in flight (budget.ts). Domain code stays
// single-threaded: it hands a pool a function of one job and awaits the result. The only
// importer of node:worker_threads.
export { type WireError, errorFromWire, errorToWire } from './errors.js';
export { mapLimit } from './limit.js';
export { ByteBudget } from './budget.js';
export { type ParentLine, type ThreadEvents, type ThreadOptions, Thread, parentLine } from './thread.js';
export { type FromPoolThread, type JobPoolOptions, type JobRunOptions, type PoolThreadData, type ToPoolThread, JobPool, claim, serveJobs } from './pool.js';
export { RingWriter, newRing, ringSlot } from './ring.js';
