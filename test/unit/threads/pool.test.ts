import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { JobPool } from '../../../src/threads/index.js';
import { CairnError } from '../../../src/errors.js';
import { assertCairnError } from '../../helpers/assert.js';
import { tmpDir } from '../../helpers/tmp.js';

// The one worker pool (was the protocols of artifacts/hash-pool.ts and policy/examine-pool.ts;
// their own tests stay in test/unit/artifacts/hash-pool.test.ts and policy/examine-pool.test.ts).
// Worker modules written here import the pool from the compiled library.

const THREADS = pathToFileURL(join(import.meta.dirname, '..', '..', '..', 'src', 'threads', 'index.js')).href;
const ERRORS = pathToFileURL(join(import.meta.dirname, '..', '..', '..', 'src', 'errors.js')).href;

function workerModule(dir: string, name: string, body: string): URL {
  const path = join(dir, name);
  writeFileSync(path, `import { serveJobs } from '${THREADS}';\nimport { CairnError } from '${ERRORS}';\n${body}\n`);
  return pathToFileURL(path);
}

type Job = { n: number; fail?: 'cairn' | 'bug' | 'exit' };
const square = (job: Job): { n: number; square: number } => {
  if (job.fail === 'cairn') throw new CairnError('NOT_FOUND', `job ${job.n}`, { where: 'here' });
  return { n: job.n, square: job.n * job.n };
};
const WORKER = `serveJobs((job) => {
  if (job.fail === 'cairn') throw new CairnError('NOT_FOUND', 'job ' + job.n, { where: 'there' });
  if (job.fail === 'bug') throw new TypeError('x is undefined');
  if (job.fail === 'exit') process.exit(3);
  return { n: job.n, square: job.n * job.n, thread: true };
});`;

describe('JobPool', () => {
  const dir = tmpDir();
  const entry = workerModule(dir, 'square.mjs', WORKER);

  it('runs every job once, on the workers and on this thread, each answer with its own job', async () => {
    const pool = new JobPool<Job, { n: number; square: number; thread?: boolean }>({ entry, name: 'test', threads: 2, runHere: square });
    try {
      const answers = Array.from({ length: 200 }, (_, n) => pool.run({ n }));
      let here = 0;
      while (pool.takeHere()) here++;
      const out = await Promise.all(answers);
      assert.deepEqual(out.map((r) => [r.n, r.square]), Array.from({ length: 200 }, (_, n) => [n, n * n]));
      assert.equal(out.filter((r) => !r.thread).length, here, 'the jobs this thread took are the ones without the thread mark');
      const onWorkers = await Promise.all(Array.from({ length: 20 }, (_, n) => pool.run({ n })));
      assert.ok(onWorkers.every((r) => r.thread), 'jobs this thread does not take run on the workers');
    } finally {
      pool.close();
    }
  });

  // A pool lives as long as a verification; holding every result it handed out kept every
  // link's artifact index alive twice at 10 x 100k (docs/bench.md, memory at scale).
  it('keeps no result once it is handed out', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const pool = new JobPool<Job, object>({ entry, name: 'test', threads: 1, runHere: square });
    try {
      const onThisThread = async (): Promise<object> => {
        const answer = pool.run({ n: 1 });
        assert.ok(pool.takeHere());
        return answer;
      };
      const refs = [new WeakRef(await onThisThread()), new WeakRef(await pool.run({ n: 2 }))];
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      assert.deepEqual(refs.map((r) => r.deref()), [undefined, undefined]);
    } finally {
      pool.close();
    }
  });

  it('rejects a job with the CairnError its thread threw, and a bug there as INTERNAL', async () => {
    const pool = new JobPool<Job, unknown>({ entry, name: 'test', threads: 1, runHere: square });
    try {
      await assertCairnError(() => pool.run({ n: 1, fail: 'cairn' }), 'NOT_FOUND', /^there: job 1$/);
      await assertCairnError(() => pool.run({ n: 2, fail: 'bug' }), 'INTERNAL', /^test thread failed: x is undefined$/);
      assert.deepEqual(await pool.run({ n: 3 }), { n: 3, square: 9, thread: true });
      assert.equal(pool.failed, true);
    } finally {
      pool.close();
    }
  });

  it('fails every open job when a thread is lost (fails closed), and every later one', async () => {
    const pool = new JobPool<Job, unknown>({ entry, name: 'test', threads: 1, runHere: square });
    try {
      const open = [pool.run({ n: 1, fail: 'exit' }), pool.run({ n: 2 })];
      for (const p of open) await assertCairnError(() => p, 'INTERNAL', /test thread failed: it exited/);
      await assertCairnError(() => pool.run({ n: 3 }), 'INTERNAL', /test thread failed: it exited/);
    } finally {
      pool.close();
    }
  });

  it('with stopOnFailure, takes no job after one failed', async () => {
    const pool = new JobPool<Job, unknown>({ entry, name: 'test', threads: 1, runHere: square, stopOnFailure: true });
    try {
      const first = pool.run({ n: 1, fail: 'cairn' });
      await assertCairnError(() => first, 'NOT_FOUND');
      void pool.run({ n: 2 });
      assert.equal(pool.takeHere(), false, 'nothing is left to take, for this thread or the workers (one counter)');
    } finally {
      pool.close();
    }
  });

  // Big links go one at a time to a worker, so that their garbage stays in one heap (issue 19).
  it('leaves a workersOnly job, and the jobs behind it, to the workers', async () => {
    const pool = new JobPool<Job, { n: number; square: number; thread?: boolean }>({ entry, name: 'test', threads: 1, runHere: square, takeWhenIdle: true });
    try {
      const big = pool.run({ n: 7 }, { workersOnly: true });
      assert.equal(pool.takeHere(), false, 'this thread does not take it');
      assert.deepEqual(await big, { n: 7, square: 49, thread: true });
      const answers = await Promise.all([pool.run({ n: 8 }, { workersOnly: true }), pool.run({ n: 9 }), pool.run({ n: 10 }, { workersOnly: true })]);
      assert.deepEqual(answers.map((r) => r.square), [64, 81, 100]);
      assert.equal(answers[0]!.thread, true);
      assert.equal(answers[2]!.thread, true);
    } finally {
      pool.close();
    }
  });

  it('refuses a job queued after it was closed, and starts no thread for it', async () => {
    const pool = new JobPool<Job, unknown>({ entry, name: 'test', threads: 1, runHere: square });
    pool.close();
    await assertCairnError(() => pool.run({ n: 1 }), 'INTERNAL', /test pool is closed/);
    assert.equal(pool.takeHere(), false);
  });

  it('runs a workersOnly job on this thread when the pool has no threads (nobody waits forever)', async () => {
    const pool = new JobPool<Job, { n: number; square: number }>({ entry, name: 'test', threads: 0, runHere: square, takeWhenIdle: true });
    assert.deepEqual(await pool.run({ n: 3 }, { workersOnly: true }), { n: 3, square: 9 });
  });

  it('runs jobs on this thread when idle (takeWhenIdle), without threads', async () => {
    const pool = new JobPool<Job, { n: number; square: number }>({ entry, name: 'test', threads: 0, runHere: square, takeWhenIdle: true });
    assert.deepEqual(await Promise.all([pool.run({ n: 4 }), pool.run({ n: 5 })]), [{ n: 4, square: 16 }, { n: 5, square: 25 }]);
    await assert.rejects(pool.run({ n: 6, fail: 'cairn' }), (err: unknown) => err instanceof CairnError && err.message === 'here: job 6');
  });
});
