import { CairnError } from '../errors.js';

// Worker threads that run from the CLI's bundle (tools/thread-loader.mjs): the bundle's entry
// calls this with the thread's name, so a thread starts as fast as the CLI does.

/** Serves the jobs of the worker thread `name` in this thread. */
export async function serveThread(name: string): Promise<void> {
  if (name === 'examine') (await import('../verify/index.js')).serveExamineJobs();
  else throw new CairnError('INTERNAL', `no thread named ${name}`);
}
