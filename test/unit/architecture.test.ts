import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../helpers/paths.js';

// The dependency rules of docs/ARCHITECTURE.md, checked on the source: modules import only
// modules below them, only through their index.ts (the facade, src/api, through any of its
// job-family modules, so that a command loads only its own), and each third-party package stays
// in the one place that owns it. Library code never prints, exits or names a CLI flag; the CLI
// talks to the library only through the facade.

const SRC = join(REPO_ROOT, 'src');

/** Layer of each top-level module; a module may import only modules of a lower layer. */
const LAYER: Record<string, number> = {
  'errors.ts': 0,
  digest: 1, encoding: 1, disk: 1, threads: 1,
  schema: 2,
  crypto: 3,
  dsse: 4,
  intoto: 5,
  rules: 6, trust: 6, attributes: 6, sigstore: 6,
  oci: 7,
  artifacts: 8, image: 8,
  run: 9,
  attest: 10,
  evidence: 11,
  verify: 12,
  'image-verify': 13,
  gate: 14, author: 14,
  api: 15,
  'index.ts': 16,
  serve: 17,
  cli: 18,
};

/** Third-party packages and the only module allowed to import each. */
const OWNER: Record<string, string> = {
  yargs: 'cli',
  zod: 'schema',
  undici: 'oci/remote',
  'tar-stream': 'image',
  fzstd: 'image',
  'cli-progress': 'cli',
  '@marcbachmann/cel-js': 'attributes',
  '@bufbuild/re2': 'attributes',
  'prom-client': 'serve',
  '@sigstore/verify': 'sigstore',
  '@sigstore/bundle': 'sigstore',
  '@sigstore/core': 'sigstore',
  '@sigstore/protobuf-specs': 'sigstore',
  // threads are started and spoken to in one place (issue 14): domain code calls a plain async function
  'node:worker_threads': 'threads',
  worker_threads: 'threads',
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

// The top-level folder, or the top-level file (`errors.ts`, `index.ts`) a path belongs to.
function moduleOf(file: string): string {
  const first = relative(SRC, file).split('/')[0]!;
  return first.replace(/\.js$/, '.ts');
}

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT_RE)].map((m) => (m[1] ?? m[2])!);
}

// Static value imports (not `import type`, not `import()`): what loading a module loads with it.
const STATIC_RE = /(?:^|\n)\s*(?:import|export)\s+(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]/g;

/** The third-party packages `entry` loads through static imports, each with one file that imports it. */
function packagesLoadedBy(entry: string): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const stack = [entry];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const m of readFileSync(f, 'utf8').matchAll(STATIC_RE)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) stack.push(resolve(dirname(f), spec).replace(/\.js$/, '.ts'));
      else if (!spec.startsWith('node:')) {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!packages.has(pkg)) packages.set(pkg, relative(SRC, f));
      }
    }
  }
  return packages;
}

// The text of every string literal and template part in a file (comments are not strings).
function stringsOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      // an import path or a quoted property name is not a message
      const p = node.parent;
      const isPath = ts.isImportDeclaration(p) || ts.isExportDeclaration(p) || ts.isExternalModuleReference(p) || (ts.isCallExpression(p) && p.expression.kind === ts.SyntaxKind.ImportKeyword);
      const isName = (ts.isPropertyAssignment(p) || ts.isPropertySignature(p)) && p.name === node;
      if (!isPath && !isName) out.push(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

describe('architecture', () => {
  const files = sources(SRC);

  it('knows the layer of every top-level module', () => {
    for (const f of files) assert.ok(moduleOf(f) in LAYER, `src/${moduleOf(f)} has no layer in this test and docs/ARCHITECTURE.md`);
  });

  it('imports only downwards, and across modules only through index.ts', () => {
    const problems: string[] = [];
    for (const f of files) {
      const from = moduleOf(f);
      for (const spec of importsOf(f)) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(f), spec);
        const to = moduleOf(target);
        if (to === from) continue;
        const where = relative(REPO_ROOT, f);
        if (!(LAYER[to]! < LAYER[from]!)) problems.push(`${where} imports ${spec} (${to} is not below ${from})`);
        const rel = relative(SRC, target);
        const viaIndex = rel === 'errors.js' || rel === 'index.js' || rel.endsWith('/index.js') || /^api\/[^/]+\.js$/.test(rel);
        if (!viaIndex && from !== 'index.ts') problems.push(`${where} imports ${spec} (not through ${to}/index.ts)`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('keeps each third-party package in the module that owns it', () => {
    const problems: string[] = [];
    for (const f of files) {
      const rel = relative(SRC, f);
      for (const spec of importsOf(f)) {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        const owner = OWNER[pkg];
        if (owner && !rel.startsWith(`${owner}/`)) problems.push(`src/${rel} imports ${pkg} (only src/${owner} may)`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('never prints or exits outside the CLI', () => {
    const problems: string[] = [];
    for (const f of files) {
      const rel = relative(SRC, f);
      if (rel.startsWith('cli/')) continue;
      const text = readFileSync(f, 'utf8');
      for (const bad of ['console.', 'process.exit', 'process.stdout', 'process.stderr', 'process.argv']) {
        if (text.includes(bad)) problems.push(`src/${rel} uses ${bad}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('lets the CLI reach the library only through the facade (src/api) and src/errors.ts', () => {
    // the server (src/serve) is a face of its own, started by `cairn serve`
    const allowed = (rel: string) => /^api\/[^/]+\.js$/.test(rel) || rel === 'errors.js' || rel === 'serve/index.js';
    const problems: string[] = [];
    for (const f of files) {
      if (moduleOf(f) !== 'cli') continue;
      for (const spec of importsOf(f)) {
        if (!spec.startsWith('.')) continue;
        const rel = relative(SRC, resolve(dirname(f), spec));
        if (rel.startsWith('cli/')) continue;
        if (!allowed(rel)) problems.push(`${relative(REPO_ROOT, f)} imports ${spec} (the CLI calls the facade, src/api)`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('names no CLI flag in library strings (only the CLI knows its flags: src/cli/hints.ts)', () => {
    const problems: string[] = [];
    for (const f of files) {
      if (moduleOf(f) === 'cli') continue;
      for (const text of stringsOf(f)) {
        if (/--[a-z]/.test(text)) problems.push(`${relative(REPO_ROOT, f)}: ${JSON.stringify(text.slice(0, 100))}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('loads, for attest, attach and copy, no package they do not use (their start-up path, issue 19)', () => {
    // each package costs start-up time in every pipeline step; @sigstore once came in with
    // attest through the attest barrel's re-export of the ecosystem readers (~4.5 ms)
    const unused = ['@sigstore/', '@marcbachmann/cel-js', '@bufbuild/re2', 'prom-client', 'tar-stream', 'fzstd'];
    const problems: string[] = [];
    for (const [entry, allowed] of [['api/attest.ts', []], ['api/copy.ts', ['fzstd']]] as const) {
      const loaded = packagesLoadedBy(join(SRC, entry));
      assert.ok(loaded.has('zod'), `the walk of src/${entry} found nothing (it should reach zod)`);
      for (const [pkg, by] of loaded) {
        if (unused.some((u) => pkg === u || pkg.startsWith(u)) && !(allowed as readonly string[]).includes(pkg)) problems.push(`src/${entry} loads ${pkg} (through src/${by})`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('throws no bare Error from library code', () => {
    const problems = files.filter((f) => /throw new Error\(/.test(readFileSync(f, 'utf8'))).map((f) => relative(REPO_ROOT, f));
    assert.deepEqual(problems, []);
  });
});
