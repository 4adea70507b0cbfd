import { parentPort, workerData } from 'node:worker_threads';
import { hashShare, type HashJob } from './hash-pool.js';

// A hashing thread of the pool: takes chunks from the shared counter until none are left.
const job = workerData as HashJob;
try {
  parentPort!.postMessage({ ok: true, results: hashShare(job) });
} catch (err) {
  const e = err as { code?: string; message?: string; where?: string };
  parentPort!.postMessage({ ok: false, code: e.code, message: e.message, where: e.where });
}
