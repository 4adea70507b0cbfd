import assert from 'node:assert/strict';
import { CairnError, type ErrorCode } from '../../src/errors.js';

/** Asserts that `fn` throws (or rejects with) a CairnError with the given code; returns it. */
export async function assertCairnError(fn: () => unknown, code: ErrorCode, message?: RegExp): Promise<CairnError> {
  let thrown: unknown;
  try {
    await fn();
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown !== undefined, `expected a CairnError ${code}, nothing was thrown`);
  assert.ok(thrown instanceof CairnError, `expected a CairnError ${code}, got ${String(thrown)}`);
  assert.equal(thrown.code, code, `expected code ${code}, got ${thrown.code}: ${thrown.message}`);
  if (message) assert.match(thrown.message, message);
  return thrown;
}

/** Synchronous variant of assertCairnError. */
export function assertCairnErrorSync(fn: () => unknown, code: ErrorCode, message?: RegExp): CairnError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CairnError, `expected a CairnError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `expected code ${code}, got ${err.code}: ${err.message}`);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected a CairnError ${code}, nothing was thrown`);
}
