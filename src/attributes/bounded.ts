import { Script } from 'node:vm';
import { CairnError } from '../errors.js';

// A time limit on synchronous work. CEL has no loops, but nested comprehensions over big lists
// still multiply (three nested `all` over 10k artifacts is 10^12 steps), and an evaluator
// cannot be interrupted from inside: node's vm timeout can. A watchdog thread terminates the
// JavaScript running under `runInThisContext` when the time is up, whatever it is doing (an
// engine loop, a regular expression), and node turns that into ERR_SCRIPT_EXECUTION_TIMEOUT.
// Starting the watchdog costs ~0.3 ms, so callers bound a whole batch of evaluations at once.
// Memory grows only as fast as the evaluator allocates (~200 MB/s measured), so the time limit
// bounds it too (docs/policy.md, "Bounds").
// Source: https://nodejs.org/docs/latest-v20.x/api/vm.html#scriptruninthiscontextoptions

const SLOT = 'cairn.attributes.bounded';
let script: Script | undefined;

/** Runs `work` with a time limit; throws VERIFICATION_FAILED (with `onTimeout()`'s text) when it is exceeded. */
export function runBounded<T>(work: () => T, timeoutMs: number, onTimeout: () => string): T {
  script ??= new Script(`globalThis[Symbol.for(${JSON.stringify(SLOT)})]()`, { filename: 'cairn-attributes-bounded' });
  const g = globalThis as unknown as Record<symbol, unknown>;
  const slot = Symbol.for(SLOT);
  if (g[slot] !== undefined) throw new CairnError('INTERNAL', 'bounded work started inside bounded work');
  g[slot] = work;
  try {
    return script.runInThisContext({ timeout: Math.max(1, Math.floor(timeoutMs)) }) as T;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new CairnError('VERIFICATION_FAILED', `${onTimeout()} did not finish within ${timeoutMs} ms`);
    }
    throw err;
  } finally {
    delete g[slot];
  }
}
