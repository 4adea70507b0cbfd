#!/usr/bin/env node
'use strict';
// Cairn's command-line entry point; all the work is in the library. `make build` bundles the
// CLI into one script (dist/bundle/cli.cjs) and a V8 code cache for it (cli.cache): loaded
// together they start 35-70 ms faster than compiling the script afresh, on every command. V8
// checks the cache against the script and the node version and ignores it when it does not
// fit. Without the bundle, the plain build runs. This file is CommonJS (bin/package.json):
// node starts a CommonJS entry ~5 ms sooner than an ES module one.
const { existsSync, readFileSync } = require('node:fs');
const { isAscii } = require('node:buffer');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const bundle = join(__dirname, '..', 'dist', 'bundle', 'cli.cjs');
const loaded = existsSync(bundle) ? Promise.resolve(load(bundle)) : import('../dist/src/cli/main.js');
loaded
  .then(({ main }) => main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  });

// Runs the CommonJS bundle as node's loader would, with the cached code when there is one.
function load(file) {
  let cachedData;
  try {
    cachedData = readFileSync(file.replace(/\.cjs$/, '.cache'));
  } catch {
    // no cache: V8 compiles the script
  }
  // the bundle is ASCII (tools/bundle.mjs): latin1 makes the same string without UTF-8 decoding
  const bytes = readFileSync(file);
  const text = isAscii(bytes) ? bytes.latin1Slice() : bytes.toString('utf8');
  const source = `(function (exports, require, module, __filename, __dirname) {${text}\n})`;
  const script = new Script(source, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}
