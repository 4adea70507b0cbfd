import { createHash } from 'node:crypto';
import { updateIndexFile } from '../../src/oci/layout/index-file.js';

// A writer process for the index.json lock test (test/e2e/index-lock.e2e.test.ts): it adds
// entries to DIR/index.json one update at a time, forever, and prints each entry's digest once
// its update has returned (acknowledged). The test kills it with SIGKILL at random moments.
// Usage: node index-writer.js DIR WRITER-ID

// `node --test dist/test/` loads every file here too: without arguments, do nothing.
const [dir, id] = process.argv.slice(2) as [string | undefined, string | undefined];
for (let i = 0; dir !== undefined && id !== undefined; i++) {
  const digest = `sha256:${createHash('sha256').update(`${id}/${i}`).digest('hex')}`;
  await updateIndexFile(dir, (index) => {
    index.manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: i });
    return true;
  });
  // stdout is a pipe: the write is synchronous on Linux, so an acknowledged line is never lost
  process.stdout.write(`${digest}\n`);
}
