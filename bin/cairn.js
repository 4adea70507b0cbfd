#!/usr/bin/env node
'use strict';
// Cairn's command-line entry point; all the work is in the library. `make build` bundles the
// CLI into one script (dist/bundle/cli.cjs) and a V8 code cache for it (cli.cache): loaded
// together (dist/bundle/loader.cjs) they start 35-70 ms faster than compiling the script
// afresh, on every command. V8 checks the cache against the script, the node version and its
// flags, and ignores it when it does not fit. Without the bundle, the plain build runs. This
// file is CommonJS (bin/package.json): node starts a CommonJS entry ~5 ms sooner than an ES one.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const dir = join(__dirname, '..', 'dist', 'bundle');
const loaded = existsSync(join(dir, 'loader.cjs'))
  ? Promise.resolve(require(join(dir, 'loader.cjs')).loadBundle(join(dir, 'cli.cjs')))
  : import('../dist/src/cli/main.js');
loaded
  .then(({ main }) => main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  });
