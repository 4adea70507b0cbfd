// The one concurrency limiter for async work (registry requests, blob copies): at most `limit`
// calls of `fn` run at once, items are taken in order, and results come back in the order of
// the items. After a failure no further item is started; the first failure is thrown once the
// calls already running have settled, so nothing is left running behind the caller's back.

/** fn over every item, at most `limit` at once; the results in item order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  let failure: unknown;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T, i);
      } catch (err) {
        if (!failed) failure = err;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  if (failed) throw failure;
  return out;
}
