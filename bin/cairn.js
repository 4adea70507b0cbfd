#!/usr/bin/env node
// Cairn's command-line entry point; all the work is in the library (dist/src).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
