// A worker thread of the bundled CLI, written as dist/bundle/<name>-worker.js by bundle.mjs: it
// loads cli.cjs with its V8 code cache, as bin/cairn.js does (loader.cjs), and runs the thread's
// module from it (cli/main.ts thread()). Compiling a bundle of its own, with zod and the schemas,
// took a thread 50-100 ms before its first job; the cached CLI bundle starts in about 20.
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const { loadBundle } = createRequire(import.meta.url)('./loader.cjs');
const cli = loadBundle(fileURLToPath(new URL('./cli.cjs', import.meta.url)));
await cli.thread(basename(fileURLToPath(import.meta.url)).replace(/-worker\.js$/, ''));
