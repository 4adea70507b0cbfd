import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exitCodeFor } from '../../../src/cli/exit-codes.js';

// Moved from test/unit/errors.test.ts when exitCodeFor moved from the library into the CLI.
describe('cli exit codes', () => {
  it('maps codes to the documented exit codes', () => {
    assert.equal(exitCodeFor('SIGNATURE_INVALID'), 1);
    assert.equal(exitCodeFor('RULE_VIOLATION'), 1);
    assert.equal(exitCodeFor('SCHEMA_INVALID'), 2);
    assert.equal(exitCodeFor('KEY_INVALID'), 2);
    assert.equal(exitCodeFor('REGISTRY_ERROR'), 3);
    assert.equal(exitCodeFor('DIGEST_MISMATCH'), 3);
    assert.equal(exitCodeFor('INTERNAL'), 70);
  });
});
