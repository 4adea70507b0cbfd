import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { lazy } from '../../../src/schema/lazy.js';
import { EnvelopeSchema, parseWith } from '../../../src/schema/index.js';
import { ValidationError } from '../../../src/errors.js';

// Schemas are built on first use (src/schema/lazy.ts); a lazy schema must parse, compose and
// fail exactly as the schema it stands for.

describe('lazy schemas', () => {
  it('builds once, on first use', () => {
    let built = 0;
    const s = lazy(() => {
      built++;
      return z.object({ a: z.string() });
    });
    assert.equal(built, 0);
    assert.deepEqual(s.parse({ a: 'x', b: 1 }), { a: 'x' });
    assert.equal(s.safeParse({ a: 1 }).success, false);
    assert.equal(built, 1);
  });

  it('composes into other schemas and reports the same paths', () => {
    const inner = lazy(() => z.object({ sig: z.string() }));
    const outer = lazy(() => z.object({ signatures: z.array(inner), opt: inner.optional() }));
    assert.deepEqual(outer.parse({ signatures: [{ sig: 's' }] }), { signatures: [{ sig: 's' }] });
    const r = outer.safeParse({ signatures: [{ sig: 1 }] });
    assert.equal(r.success, false);
    assert.deepEqual(r.error!.issues[0]!.path, ['signatures', 0, 'sig']);
  });

  it('is what the exported schemas are, with located errors', () => {
    const env = { payload: 'e30=', payloadType: 'application/vnd.in-toto+json', signatures: [{ keyid: 'k', sig: 'c2ln', extra: 1 }] };
    assert.deepEqual(parseWith(EnvelopeSchema, env, 'x.json'), env);
    assert.throws(
      () => parseWith(EnvelopeSchema, { ...env, signatures: [{}] }, 'x.json'),
      (e: unknown) => e instanceof ValidationError && /signatures\[0\]\.sig/.test(e.message) && /x\.json/.test(e.message),
    );
  });
});
