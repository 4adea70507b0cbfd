// Bundles the CLI into one script, dist/bundle/cli.cjs, and makes a V8 code cache for it
// (dist/bundle/cli.cache, see tools/code-cache.mjs). Loading one script instead of ~150 modules
// (yargs, zod, Cairn) saves about 100 ms per command, and the code cache another 35-70 ms
// (parsing and compiling), on node 20, which has no built-in compile cache: every pipeline step
// pays start-up, so it matters. The CLI's lazy imports stay lazy inside the bundle (esbuild
// initialises a module on its first import). The worker threads (all started by src/threads,
// from a URL relative to the module that asks for them) are bundles of their own next to
// cli.cjs, or the thread loader that runs their module from cli.cjs; in the library
// (`import ... from 'cairn'`), unbundled in dist/src, the same URLs name the files there.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

rmSync('dist/bundle', { recursive: true, force: true });
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };
// `import ... from 'undici'` (the registry client) gets only the parts it uses: tools/undici-lite.cjs
const undiciLite = {
  name: 'undici-lite',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, () => ({ path: fileURLToPath(new URL('./undici-lite.cjs', import.meta.url)) }));
    // and its HTTP/2 client (node:http2, tls) loads on first use: tools/undici-h2-lazy.cjs
    b.onResolve({ filter: /^\.\/client-h2\.js$/ }, (args) => (/[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/.test(args.importer) ? { path: fileURLToPath(new URL('./undici-h2-lazy.cjs', import.meta.url)) } : undefined));
  },
};
// `import stringWidth from 'string-width'` gets a wrapper that loads it on first use
// (tools/string-width-lazy.cjs); the wrapper's own import gets the real module, one copy for all.
const stringWidthLazy = {
  name: 'string-width-lazy',
  setup(b) {
    const lazy = fileURLToPath(new URL('./string-width-lazy.cjs', import.meta.url));
    const real = fileURLToPath(new URL('../node_modules/string-width/index.js', import.meta.url));
    b.onResolve({ filter: /^string-width$/ }, (args) => ({ path: args.importer === lazy ? real : lazy }));
  },
};
// zod's `locales/index.js` (every language) becomes tools/zod-locales-en.mjs (English only)
let zodLocalesMapped = 0;
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer)) return undefined;
      zodLocalesMapped++;
      return { path: fileURLToPath(new URL('./zod-locales-en.mjs', import.meta.url)) };
    });
  },
};
await build({
  ...common,
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/bundle/cli.cjs',
  format: 'cjs',
  plugins: [undiciLite, stringWidthLazy, zodEnglishOnly],
  // import('node:fs') becomes require(): code loaded from a V8 code cache cannot import()
  supported: { 'dynamic-import': false },
  // the workers are found next to this file
  define: { 'import.meta.url': '__cairnUrl' },
  banner: { js: "const __cairnUrl = require('node:url').pathToFileURL(__filename).href;" },
});
// one entry per thread module that src/threads starts (new URL('./<name>-worker.js', import.meta.url))
await build({
  ...common,
  entryPoints: {
    'hash-worker': 'dist/src/artifacts/hash-worker.js',
    'layer-worker': 'dist/src/image/layer-worker.js',
  },
  outdir: 'dist/bundle',
  format: 'esm',
});
if (zodLocalesMapped === 0) throw new Error("tools/bundle.mjs: zod's locales/index.js was not found where tools/zod-locales-en.mjs expects it (zod's layout moved?)");
writeFileSync('dist/bundle/package.json', '{"type":"module"}\n');
asciiOnly('dist/bundle/cli.cjs');
// how bin/cairn.js, the worker threads and code-cache.mjs load the bundle (tools/bundle-loader.cjs)
copyFileSync(fileURLToPath(new URL('./bundle-loader.cjs', import.meta.url)), 'dist/bundle/loader.cjs');
// threads that need much of the library run it from the cached CLI bundle (tools/thread-loader.mjs)
copyFileSync(fileURLToPath(new URL('./thread-loader.mjs', import.meta.url)), 'dist/bundle/examine-worker.js');
// esbuild escapes every non-ASCII character of code (charset: ascii, its default) but copies
// comments as they are; a few dependency comments hold names and dashes. Replacing those makes
// the bundle pure ASCII, which bin/cairn.js turns into a string without UTF-8 decoding (~4 ms of
// every start-up for 2 MB). A non-ASCII line that is not a comment fails the build.
function asciiOnly(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/[^\x00-\x7f]/.test(lines[i])) continue;
    if (!/^\s*(\/\/|\/\*|\*|\(\*)/.test(lines[i])) {
      // esbuild leaves regular expression literals as written (the CEL engine's duration
      // pattern has a micro sign): there, as in strings, \uXXXX means the same character
      if (!/^\s*const \w+ = \/.*\/[a-z]*;$/.test(lines[i])) throw new Error(`${file}:${i + 1}: non-ASCII outside a comment or a regular expression`);
      lines[i] = lines[i].replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      continue;
    }
    lines[i] = lines[i].replace(/[^\x00-\x7f]/g, '?');
  }
  writeFileSync(file, lines.join('\n'));
}
execFileSync(process.execPath, ['tools/code-cache.mjs', 'dist/bundle/cli.cjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
