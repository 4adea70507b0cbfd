import { parentPort, workerData } from 'node:worker_threads';
import type { ErrorCode } from '../errors.js';
import { hashPublished, stopClaims, type HashWorkerData, type HashWorkerResult } from './hash-pool.js';

// A hashing thread of the pool: hashes the chunks it claims until the list is done. On an
// error it stops the other threads (they find nothing left to claim) and reports it.
const data = workerData as HashWorkerData;
let result: HashWorkerResult;
try {
  result = { ok: true, chunks: hashPublished(data) };
} catch (err) {
  stopClaims(data.control);
  const e = err as { code?: ErrorCode; message?: string };
  result = { ok: false, code: e.code, message: e.message };
}
parentPort!.postMessage(result);
