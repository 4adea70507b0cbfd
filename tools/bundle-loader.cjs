'use strict';
// Loads the CLI bundle (dist/bundle/cli.cjs) as node's loader would, with its V8 code cache
// (cli.cache) when there is one. bin/cairn.js, the bundled worker threads (thread-loader.mjs)
// and the cache's maker (code-cache.mjs) all go through here: V8 accepts a cache only for the
// exact source it was made from, so the wrapped text must be the same everywhere.
// tools/bundle.mjs copies this file to dist/bundle/loader.cjs.
const { readFileSync } = require('node:fs');
const { isAscii } = require('node:buffer');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const { Script } = require('node:vm');

/** The bundle as a compiled Script: with `useCache`, from cli.cache when it fits. */
function compileBundle(file, useCache = true) {
  let cachedData;
  if (useCache) {
    try {
      cachedData = readFileSync(file.replace(/\.cjs$/, '.cache'));
    } catch {
      // no cache: V8 compiles the script
    }
  }
  // the bundle is ASCII (bundle.mjs): latin1 makes the same string without UTF-8 decoding
  const bytes = readFileSync(file);
  const text = isAscii(bytes) ? bytes.latin1Slice() : bytes.toString('utf8');
  return new Script(`(function (exports, require, module, __filename, __dirname) {${text}\n})`, { filename: file, cachedData });
}

/** Runs a compiled bundle; returns its exports. */
function runBundle(script, file) {
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

/** Loads the bundle with its cache; returns its exports. */
function loadBundle(file) {
  return runBundle(compileBundle(file), file);
}

module.exports = { compileBundle, runBundle, loadBundle };
