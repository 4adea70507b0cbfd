import { listImageFiles } from '../../src/artifacts/index.js';
import { closeStore, openStore, parseReference, resolveReference } from '../../src/oci/index.js';
import { main as cli } from '../../src/cli/main.js';

// Bench-only stand-in for `cairn image files REF --output json` until that command is on main:
// the same library path (resolve, flatten every layer with digest and diff_id checks, hash
// every file), printing the listing as JSON. Bundled and run by bench/tools/run-cached.

/** `flatten HOST/REPO@DIGEST`: prints the image's files as JSON; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  // Be the CLI process the command will run in: with a heap as small as this tool's alone, V8
  // answers the layers' buffer churn with a full GC every few MiB (110-120 instead of 1 per
  // GiB, about 1 s); after the CLI's start-up (yargs, the commands) it does not.
  const write = process.stdout.write;
  process.stdout.write = () => true;
  await cli(['--help']);
  process.stdout.write = write;
  const text = args[0];
  if (!text) {
    process.stderr.write('usage: flatten REFERENCE\n');
    return 2;
  }
  const ref = parseReference(text);
  const store = await openStore(ref);
  try {
    const manifest = await resolveReference(store, ref);
    const listing = await listImageFiles(store, manifest);
    process.stdout.write(`${JSON.stringify(listing)}\n`);
    return 0;
  } finally {
    await closeStore(store);
  }
}
