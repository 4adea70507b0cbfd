import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';

// A thread is started from a URL relative to the module that asks (src/threads): in the library
// that is the module's file in dist/src; in the bundled CLI, `import.meta.url` is cli.cjs's, so
// tools/bundle.mjs must put a file of the same name next to it (`make build` runs first).

const SRC = join(REPO_ROOT, 'src');
const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : []));

describe('thread entries', () => {
  it('exist in the library build and next to the CLI bundle', () => {
    const entries = files(SRC).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/new URL\('\.\/([\w-]+\.js)', import\.meta\.url\)/g)].map((m) => ({ from: f, name: m[1]! })));
    assert.deepEqual(entries.map((e) => e.name).sort(), ['examine-worker.js', 'hash-worker.js', 'layer-worker.js']);
    for (const e of entries) {
      const lib = join(REPO_ROOT, 'dist', relative(REPO_ROOT, dirname(e.from)), e.name);
      assert.ok(existsSync(lib), `${lib} (library build)`);
      assert.ok(existsSync(join(REPO_ROOT, 'dist', 'bundle', e.name)), `dist/bundle/${e.name} (tools/bundle.mjs)`);
    }
  });
});
