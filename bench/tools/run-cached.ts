import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { Script } from 'node:vm';

// Runs a CommonJS bundle made by bench/lib/tool-bundle.ts the way bin/cairn.js runs the CLI:
// with its V8 code cache (BUNDLE.cache), written after the first run when there is none, so that
// a bench-only tool starts like the bundled CLI. `node run-cached.js BUNDLE.cjs ARGS...`
// The bundle exports main(args): Promise<number>.

const file = resolve(process.argv[2]!);
const cacheFile = file.replace(/\.cjs$/, '.cache');
const cachedData = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`, { filename: file, cachedData });
const mod = { exports: {} as { main: (args: string[]) => Promise<number> } };
(script.runInThisContext() as (...a: unknown[]) => void)(mod.exports, createRequire(file), mod, file, dirname(file));
process.exitCode = await mod.exports.main(process.argv.slice(3));
if (!cachedData) writeFileSync(cacheFile, script.createCachedData());
