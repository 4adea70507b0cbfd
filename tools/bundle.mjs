// Bundles the CLI into dist/bundle/ (ES modules, split at the CLI's lazy imports). Loading one
// bundle instead of ~150 separate modules (yargs, zod, Cairn) saves about 100 ms per command on
// node 20, which has no compile cache; every pipeline step pays start-up, so it matters.
// The library (`import ... from 'cairn'`) stays unbundled in dist/src.
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';

await build({
  entryPoints: {
    main: 'dist/src/cli/main.js',
    // the worker threads are loaded by URL relative to the code that starts them
    'hash-worker': 'dist/src/artifacts/hash-worker.js',
    'layer-worker': 'dist/src/artifacts/image/layer-worker.js',
  },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  // yargs reads its own locale files with require(); give the bundle a require
  banner: { js: "import { createRequire as __cairnRequire } from 'node:module'; const require = __cairnRequire(import.meta.url);" },
  logLevel: 'warning',
});
writeFileSync('dist/bundle/package.json', '{"type":"module"}\n');
