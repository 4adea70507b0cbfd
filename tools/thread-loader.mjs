// A worker thread of the bundled CLI, written as dist/bundle/<name>-worker.js by bundle.mjs: it
// loads cli.cjs with its V8 code cache, as bin/cairn.js does, and runs the thread's module from
// it (cli/main.ts thread()). Compiling a bundle of its own, with zod and the schemas, took a
// thread 50-100 ms before its first job; the cached CLI bundle starts in about 20.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const file = fileURLToPath(new URL('./cli.cjs', import.meta.url));
let cachedData;
try {
  cachedData = readFileSync(file.replace(/\.cjs$/, '.cache'));
} catch {
  // no cache: V8 compiles the script
}
// the bundle is ASCII (bundle.mjs): latin1 makes the same string without UTF-8 decoding
const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'latin1')}\n})`;
const script = new Script(source, { filename: file, cachedData });
const cjs = { exports: {} };
script.runInThisContext()(cjs.exports, createRequire(file), cjs, file, dirname(file));
await cjs.exports.thread(basename(fileURLToPath(import.meta.url)).replace(/-worker\.js$/, ''));
