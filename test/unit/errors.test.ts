import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CairnError, exitCodeFor, fsError, ValidationError } from '../../src/errors.js';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: boom`), { code });
}

describe('errors', () => {
  it('maps codes to the documented exit codes', () => {
    assert.equal(exitCodeFor('SIGNATURE_INVALID'), 1);
    assert.equal(exitCodeFor('RULE_VIOLATION'), 1);
    assert.equal(exitCodeFor('SCHEMA_INVALID'), 2);
    assert.equal(exitCodeFor('KEY_INVALID'), 2);
    assert.equal(exitCodeFor('REGISTRY_ERROR'), 3);
    assert.equal(exitCodeFor('DIGEST_MISMATCH'), 3);
    assert.equal(exitCodeFor('INTERNAL'), 70);
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
