import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mapLimit } from '../../../src/threads/index.js';
import { CairnError } from '../../../src/errors.js';
import { assertCairnError } from '../../helpers/assert.js';

// The one limiter (was three copies: oci/copy.ts inBatches, evidence/referrers.ts mapLimited,
// the loops of oci/referrers.ts mergeTagged and attest/ecosystem/inspect.ts).

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('mapLimit', () => {
  it('keeps item order, and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n, i) => {
      running++;
      most = Math.max(most, running);
      for (let k = 0; k < n; k++) await tick();
      running--;
      return `${i}:${n}`;
    });
    assert.deepEqual(out, ['0:5', '1:1', '2:4', '3:2', '4:3', '5:0', '6:6']);
    assert.equal(most, 3);
  });

  it('gives an empty list for no items, and runs one at a time for a limit below one', async () => {
    assert.deepEqual(await mapLimit([], 4, async () => 1), []);
    let running = 0;
    let most = 0;
    await mapLimit([1, 2, 3], 0, async () => {
      most = Math.max(most, ++running);
      await tick();
      running--;
    });
    assert.equal(most, 1);
  });

  it('starts nothing after a failure, and throws it once the running calls have settled', async () => {
    const started: number[] = [];
    let settled = 0;
    await assertCairnError(() => mapLimit([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      await tick();
      if (n === 1) throw new CairnError('NOT_FOUND', `item ${n}`);
      await tick();
      settled++;
    }), 'NOT_FOUND', /item 1/);
    assert.deepEqual(started, [0, 1]);
    assert.equal(settled, 1, 'the call running beside the failed one finished before the throw');
  });
});
