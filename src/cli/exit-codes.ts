import { failureClass, type ErrorCode, type FailureClass } from '../errors.js';

// The CLI's exit codes (docs/cli.md): 0 ok, 1 verification failed, 2 bad input or usage,
// 3 registry, network or disk, 70 a bug. The library only says which class a failure is.

const EXIT_CODES: Record<FailureClass, number> = { verification: 1, input: 2, system: 3, bug: 70 };

/** Process exit code for an error code. */
export function exitCodeFor(code: ErrorCode): number {
  return EXIT_CODES[failureClass(code)];
}
