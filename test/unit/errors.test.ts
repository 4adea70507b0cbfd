import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CairnError, failureClass, fsError, ValidationError } from '../../src/errors.js';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: boom`), { code });
}

describe('errors', () => {
  // the exit codes themselves are the CLI's: test/unit/cli/exit-codes.test.ts (moved from here)
  it('classes each code as input, verification, system or bug', () => {
    assert.equal(failureClass('SIGNATURE_INVALID'), 'verification');
    assert.equal(failureClass('RULE_VIOLATION'), 'verification');
    assert.equal(failureClass('SCHEMA_INVALID'), 'input');
    assert.equal(failureClass('KEY_INVALID'), 'input');
    assert.equal(failureClass('REGISTRY_ERROR'), 'system');
    assert.equal(failureClass('DIGEST_MISMATCH'), 'system');
    assert.equal(failureClass('INTERNAL'), 'bug');
  });

  it('turns fs errors into located one-line errors by errno', () => {
    assert.equal(fsError(errno('ENOENT'), 'a.pub').code, 'FILE_NOT_FOUND');
    assert.equal(fsError(errno('ENOENT'), 'a.pub').message, 'a.pub: no such file or directory');
    assert.equal(fsError(errno('EACCES'), 'k').message, 'k: cannot read: EACCES');
    assert.equal(fsError(errno('EACCES'), 'k').code, 'INVALID_ARGUMENT');
    assert.equal(fsError(errno('EIO'), 'k', 'cannot write').code, 'IO_ERROR');
    assert.equal(fsError(errno('ENOSPC'), 'k', 'cannot write').message, 'k: cannot write: ENOSPC');
  });

  it('prefixes a location without losing code or class', () => {
    const e = new ValidationError([{ path: 'steps[0].name', message: 'required' }, { path: 'expires', message: 'required' }]);
    const located = e.at('root.layout');
    assert.ok(located instanceof ValidationError);
    assert.equal(located.code, 'SCHEMA_INVALID');
    assert.equal(located.message, 'root.layout: steps[0].name: required (and 1 more)');
    assert.equal(located.issues.length, 2);
    assert.equal(new CairnError('NOT_FOUND', 'gone', { where: 'r/x' }).message, 'r/x: gone');
  });
});
