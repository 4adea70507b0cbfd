import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CairnError } from '../../../src/errors.js';
import { hintFor } from '../../../src/cli/hints.js';

// The library says what failed (a code and a reason); only the CLI names the flag that fixes it.
describe('cli hints', () => {
  const hint = (reason: string, more: Record<string, string> = {}, args: string[] = []) =>
    hintFor(new CairnError('INVALID_ARGUMENT', 'x', { details: { reason, ...more } }), args);

  it('names the flag for each reason the library reports', () => {
    assert.equal(hint('passphrase-missing'), 'give its passphrase with --password-env VAR');
    assert.equal(hint('file-exists'), 'give --force to replace it');
    assert.equal(hint('drops-signatures'), 'or give --force to drop them');
    assert.equal(hint('parameter-missing', { parameter: 'version' }), 'give --param version=VALUE');
    assert.equal(hint('credentials-incomplete'), 'give both --username and --password-stdin, or neither');
    assert.equal(hint('unbound'), '--allow-unbound is for local experiments only');
    assert.match(hint('referrers-index-contended', { subject: 'sha256:ab' })!, /cairn discover --repair on IMAGE@sha256:ab/);
    assert.match(hint('timeout')!, /--registry-timeout/);
    assert.equal(hint('not-pinned', {}, ['verify', 'x', '--trust-root', 'reg/trust:1']), '--trust-root takes the pinned first version: REF@sha256:...');
  });

  it('gives no advice when there is none', () => {
    assert.equal(hint('no-such-reason'), undefined);
    assert.equal(hintFor(new CairnError('SIGNATURE_INVALID', 'bad'), []), undefined);
  });
});
