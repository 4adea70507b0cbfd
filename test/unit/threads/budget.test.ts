import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ByteBudget } from '../../../src/threads/index.js';
import { CairnError } from '../../../src/errors.js';
import { assertCairnError } from '../../helpers/assert.js';

// The budget of bytes in flight that keeps big links of `verify --link-dir` from being
// examined two at once (issue 19, docs/bench.md "Issue 19: memory").

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs tasks of the given sizes, each for `ticks` turns; records what ran together. */
async function runAll(budget: ByteBudget, sizes: number[], ticks = 3): Promise<{ most: number; order: number[]; alone: number[] }> {
  let most = 0;
  let running = 0;
  const order: number[] = [];
  const alone: number[] = [];
  await Promise.all(
    sizes.map((bytes, i) =>
      budget.run(bytes, async () => {
        running++;
        order.push(i);
        most = Math.max(most, budget.bytesInFlight);
        for (let k = 0; k < ticks; k++) {
          await tick();
          if (running === 1) alone.push(i);
        }
        running--;
      }),
    ),
  );
  return { most, order, alone };
}

describe('ByteBudget', () => {
  it('never has more than its bytes in flight, and runs tasks together while they fit', async () => {
    const budget = new ByteBudget(100);
    let together = 0;
    let running = 0;
    await Promise.all(
      [40, 30, 50, 20, 60, 10].map((bytes) =>
        budget.run(bytes, async () => {
          running++;
          together = Math.max(together, running);
          assert.ok(budget.bytesInFlight <= 100, `in flight ${budget.bytesInFlight}`);
          await tick();
          await tick();
          running--;
        }),
      ),
    );
    assert.ok(together >= 2, 'tasks that fit ran at the same time');
    assert.equal(budget.bytesInFlight, 0);
  });

  it('starts tasks in the order they came, a big one not passed over by small ones behind it', async () => {
    const { order, most } = await runAll(new ByteBudget(100), [60, 60, 10, 10]);
    assert.deepEqual(order, [0, 1, 2, 3]);
    assert.ok(most <= 100);
  });

  it('runs a task larger than the whole budget, alone, and the others after it (no deadlock)', async () => {
    const budget = new ByteBudget(100);
    const { order, alone, most } = await runAll(budget, [10, 250, 10, 300]);
    assert.deepEqual(order, [0, 1, 2, 3]);
    assert.ok(alone.includes(1) && alone.includes(3), 'each oversized task ran with nothing beside it');
    assert.equal(most, 300);
    assert.equal(budget.bytesInFlight, 0);
  });

  it('releases the bytes of a task that fails, and gives the caller its error', async () => {
    const budget = new ByteBudget(100);
    const failing = budget.run(80, async () => {
      await tick();
      throw new CairnError('VERIFICATION_FAILED', 'broken link');
    });
    const thrown = budget.run(80, () => {
      throw new CairnError('SCHEMA_INVALID', 'not a task');
    });
    const after = budget.run(100, async () => budget.bytesInFlight);
    await assertCairnError(() => failing, 'VERIFICATION_FAILED', /broken link/);
    await assertCairnError(() => thrown, 'SCHEMA_INVALID', /not a task/);
    assert.equal(await after, 100, 'the full budget was free again for the last task');
    assert.equal(budget.bytesInFlight, 0);
  });
});
