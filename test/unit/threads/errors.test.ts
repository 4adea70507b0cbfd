import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errorFromWire, errorToWire } from '../../../src/threads/index.js';
import { CairnError } from '../../../src/errors.js';

// The one codec for errors crossing threads (was three: hash-worker's { code, message },
// examine-pool.ts rebuild, layer-thread.ts fromWire).

describe('errors between threads', () => {
  it('keeps a CairnError: code, message, location and details', () => {
    const err = new CairnError('DIGEST_MISMATCH', 'expected sha256:aa', { where: 'layer 2', details: { layer: 2 } });
    const back = errorFromWire(structuredClone(errorToWire(err)), 'layer');
    assert.ok(back instanceof CairnError);
    assert.equal(back.code, 'DIGEST_MISMATCH');
    assert.equal(back.message, err.message);
    assert.equal(back.where, 'layer 2');
    assert.deepEqual(back.details, { layer: 2 });
  });

  it('keeps the message of an error relocated with at()', () => {
    const err = new CairnError('SCHEMA_INVALID', 'steps[0]: bad', { where: 'inner' }).at('outer.link');
    const back = errorFromWire(errorToWire(err), 'evidence');
    assert.equal(back.message, err.message);
    assert.equal(back.where, err.where);
  });

  it('turns anything else into INTERNAL naming the thread, whatever code it carries', () => {
    const sys = Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
    const back = errorFromWire(errorToWire(sys), 'hashing');
    assert.equal(back.code, 'INTERNAL');
    assert.equal(back.message, 'hashing thread failed: EMFILE: too many open files');
    assert.equal(errorFromWire(errorToWire('a string'), 'layer').message, 'layer thread failed: a string');
  });
});
