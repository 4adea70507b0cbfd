import { serveJobs } from '../threads/index.js';
import { hashChunk } from './hash-pool.js';

// A hashing thread of HashPool: hashes the chunks of paths it takes from the pool's queue.
serveJobs(hashChunk);
