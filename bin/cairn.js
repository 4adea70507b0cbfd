#!/usr/bin/env node
// Cairn's command-line entry point; all the work is in the library. The bundled CLI
// (dist/bundle, made by `make build`) starts faster; the plain build is the fallback.
import { existsSync } from 'node:fs';

const bundled = new URL('../dist/bundle/main.js', import.meta.url);
const { main } = await import(existsSync(bundled) ? bundled.href : '../dist/src/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
