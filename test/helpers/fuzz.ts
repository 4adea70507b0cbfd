import assert from 'node:assert/strict';
import { CairnError } from '../../src/errors.js';

/** Runs `fn`; it may return or throw a CairnError with a code, nothing else. */
export function onlyCairnErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CairnError, `threw a non-Cairn error: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    assert.ok(typeof err.code === 'string' && err.code.length > 0);
    assert.ok(!err.message.includes('\n'), `multi-line message: ${JSON.stringify(err.message)}`);
  }
}

/** Async variant of onlyCairnErrors. */
export async function onlyCairnErrorsAsync(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof CairnError, `threw a non-Cairn error: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    assert.ok(!err.message.includes('\n'), `multi-line message: ${JSON.stringify(err.message)}`);
  }
}
