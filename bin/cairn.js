#!/usr/bin/env node
// Cairn's command-line entry point; all the work is in the library. `make build` bundles the
// CLI into one script (dist/bundle/cli.cjs) and a V8 code cache for it (cli.cache): loaded
// together they start 35-70 ms faster than compiling the script afresh, on every command. V8
// checks the cache against the script and the node version and ignores it when it does not
// fit. Without the bundle, the plain build runs.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const bundle = fileURLToPath(new URL('../dist/bundle/cli.cjs', import.meta.url));
const { main } = existsSync(bundle) ? load(bundle) : await import('../dist/src/cli/main.js');
process.exitCode = await main(process.argv.slice(2));

// Runs the CommonJS bundle as node's loader would, with the cached code when there is one.
function load(file) {
  let cachedData;
  try {
    cachedData = readFileSync(file.replace(/\.cjs$/, '.cache'));
  } catch {
    // no cache: V8 compiles the script
  }
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
  const script = new Script(source, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}
