import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../helpers/exec.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { tmpDir } from '../helpers/tmp.js';

// What a user of the npm package gets (issue 17): `npm pack` of this checkout, installed into an
// empty project with npm itself (offline: the dependencies come from the local npm cache), runs
// as `npx cairn` with Cairn's own version, not the project's; and the library's types compile
// under --strict in that project. The npm cache holds the dependencies' tarballs, not their
// registry metadata, so the project gets a lock file pinning them as this checkout's lock does
// (the versions `npm ci` installed here), and `npm ci --offline` installs from it. The pack
// runs in a clean clone of this checkout's HEAD (its node_modules linked to this one's), with
// `prepack` and all: that is what proves a clean clone packs a working CLI, and its build
// cannot rewrite this checkout's dist/ under the other tests' feet.

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string; scripts: Record<string, string>; license: string };
const NPM_FLAGS = ['--no-audit', '--no-fund', '--offline', '--loglevel=error'];

describe('the npm package', () => {
  const dir = tmpDir();

  it('packs, installs into an empty project, runs as npx cairn and type-checks under --strict', { timeout: 240_000 }, () => {
    assert.match(pkg.scripts['prepack'] ?? '', /npm run build/, 'npm pack on a clean clone builds first');
    const clone = join(dir, 'clone');
    const cloned = run('git', ['clone', '--quiet', '--no-hardlinks', REPO_ROOT, clone]);
    assert.equal(cloned.status, 0, cloned.stderr);
    assert.ok(!existsSync(join(clone, 'dist')), 'a clean clone has no build');
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
    const packed = run('npm', ['pack', '--pack-destination', dir, '--loglevel=error'], { cwd: clone });
    assert.equal(packed.status, 0, packed.stderr);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    assert.equal(tarball, `${pkg.name}-${pkg.version}.tgz`);
    const listing = run('tar', ['-tzf', join(dir, tarball!)]);
    assert.ok(listing.stdout.split('\n').includes('package/LICENSE'), 'the tarball has the LICENSE');
    assert.ok(listing.stdout.split('\n').includes('package/ci/cairn-ci.sh'), 'the tarball has the CI script the GitLab component runs');
    assert.match(readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004/);
    assert.equal(pkg.license, 'Apache-2.0');

    const project = join(dir, 'project');
    mkdirSync(project);
    // a project version of its own, which `cairn --version` must not print
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'probe', version: '9.9.9', private: true, type: 'module', dependencies: { [pkg.name]: `file:../${tarball}` } }));
    writeFileSync(join(project, 'package-lock.json'), JSON.stringify(probeLock(`file:../${tarball}`)));
    const installed = run('npm', ['ci', ...NPM_FLAGS], { cwd: project });
    assert.equal(installed.status, 0, installed.stderr);

    const version = run('npx', ['--offline', '--no-install', 'cairn', '--version'], { cwd: project });
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), pkg.version);
    const key = run('npx', ['--offline', '--no-install', 'cairn', 'key', 'generate', '--out', 'k'], { cwd: project });
    assert.equal(key.status, 0, key.stderr);

    writeFileSync(join(project, 'probe.ts'), [
      `import { loadPublicKey, isCairnError, type ErrorCode } from '${pkg.name}';`,
      `import { readFileSync } from 'node:fs';`,
      `const key = loadPublicKey(readFileSync('k.pub', 'utf8'), 'k.pub');`,
      `const id: string = key.keyId;`,
      `let code: ErrorCode | undefined;`,
      `try { loadPublicKey('not a key', 'x.pub'); } catch (e) { if (isCairnError(e)) code = e.code; }`,
      `console.log(JSON.stringify({ id, code }));`,
      '',
    ].join('\n'));
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const compiled = run(process.execPath, [tsc, '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
      '--typeRoots', join(REPO_ROOT, 'node_modules', '@types'), '--types', 'node', 'probe.ts'], { cwd: project });
    assert.equal(compiled.status, 0, compiled.stdout + compiled.stderr);
    const ran = run(process.execPath, ['probe.js'], { cwd: project });
    assert.equal(ran.status, 0, ran.stderr);
    const out = JSON.parse(ran.stdout) as { id: string; code: string };
    assert.match(out.id, /^[0-9a-f]{64}$/);
    assert.equal(out.code, 'KEY_INVALID');
  });
});

interface LockEntry { version?: string; resolved?: string; integrity?: string; dev?: boolean; dependencies?: Record<string, string>; [k: string]: unknown }

// A lock file for a project that depends on the packed tarball: Cairn's runtime dependencies as
// this checkout's package-lock.json pins them.
function probeLock(spec: string): unknown {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const root = lock.packages['']!;
  const packages: Record<string, LockEntry> = {
    '': { name: 'probe', version: '9.9.9', dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: { version: pkg.version, resolved: spec, license: pkg.license, dependencies: root.dependencies, bin: root['bin'], engines: root['engines'] },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path && !entry.dev) packages[path] = entry;
  return { name: 'probe', version: '9.9.9', lockfileVersion: 3, requires: true, packages };
}
