import { listImageFiles } from '../../src/artifacts/index.js';
import { closeStore, openStore, parseReference, resolveReference } from '../../src/oci/index.js';

// Bench-only stand-in for `cairn image files REF --output json` until that command is on main:
// the same library path (resolve, flatten every layer with digest and diff_id checks, hash
// every file), printing the listing as JSON. `node dist/bench/tools/flatten.js HOST/REPO@DIGEST`

const text = process.argv[2];
if (!text) {
  process.stderr.write('usage: flatten.js REFERENCE\n');
  process.exit(2);
}
const ref = parseReference(text);
const store = await openStore(ref);
try {
  const manifest = await resolveReference(store, ref);
  const listing = await listImageFiles(store, manifest);
  process.stdout.write(`${JSON.stringify(listing)}\n`);
} finally {
  await closeStore(store);
}
