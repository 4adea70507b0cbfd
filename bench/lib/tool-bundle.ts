import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from '../../test/helpers/paths.js';
import { CACHE } from './inputs.js';

// A bench-only tool bundled like the CLI (one CommonJS file, run with a code cache by
// bench/tools/run-cached), so that its start-up is not what the bench measures.

/** Bundles dist/bench/tools/<name>.js into bench/.cache/tools/<name>.cjs; returns the argv prefix to run it. */
export async function bundledTool(name: string): Promise<string[]> {
  const out = join(CACHE, 'tools', `${name}.cjs`);
  rmSync(out.replace(/\.cjs$/, '.cache'), { force: true }); // made afresh by the first run
  await build({
    entryPoints: [join(REPO_ROOT, 'dist', 'bench', 'tools', `${name}.js`)],
    outfile: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    supported: { 'dynamic-import': false },
    // the CLI's workers, found by URL next to the code that starts them
    define: { 'import.meta.url': '__toolUrl' },
    banner: { js: `const __toolUrl = ${JSON.stringify(`file://${join(REPO_ROOT, 'dist', 'bundle')}/tool.cjs`)};` },
    logLevel: 'warning',
  });
  return [process.execPath, join(REPO_ROOT, 'dist', 'bench', 'tools', 'run-cached.js'), out];
}
