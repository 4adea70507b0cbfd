import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CAIRN_BIN, REPO_ROOT } from '../helpers/paths.js';
import { tmpDir } from '../helpers/tmp.js';
import { useRegistry } from '../helpers/registry.js';

// The README's Quick start, run as written (issue 13): its ```sh blocks are taken from
// README.md and run by bash (-e, -u, pipefail) in an empty directory against the real test
// registry. What the test changes, and nothing else:
//   - `registry.example` becomes the test registry's 127.0.0.1:<port>;
//   - `cairn` is a wrapper on PATH around bin/cairn.js (what `npm link` installs);
//   - `make` is a stub on PATH standing for the project's Makefile: `make image-files` writes
//     rootfs/usr/local/bin/app and image-config/Entrypoint as the text says; the project's
//     src/ exists beforehand;
//   - EDITOR is `true`: the text says the skeleton needs no edit;
//   - CAIRN is this repository, as the text says.
// It must end with a PASS, and the layout it verifies must bind the image.

function quickStart(readme: string): string {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Quick start'));
  assert.ok(section, 'README.md has a Quick start section');
  const blocks = [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  assert.ok(blocks.length > 0, 'the Quick start has sh blocks');
  return blocks.join('\n');
}

function run(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

describe('README Quick start', () => {
  const registry = useRegistry();

  it('runs as written against a real registry and verifies the image with a bound layout', async () => {
    const dir = tmpDir('cairn-quickstart-');
    const bin = join(dir, '.bin');
    const work = join(dir, 'project');
    mkdirSync(bin);
    mkdirSync(join(work, 'src'), { recursive: true });
    writeFileSync(join(work, 'src', 'app.sh'), '#!/bin/sh\necho hello from the quick start\n');
    writeFileSync(join(bin, 'cairn'), `#!/bin/sh\nexec "${process.execPath}" "${CAIRN_BIN}" "$@"\n`);
    writeFileSync(join(bin, 'make'), [
      '#!/bin/sh',
      '# stands for the project\'s Makefile: make image-files',
      '[ "$1" = image-files ] || { echo "make stub: unknown target $1" >&2; exit 2; }',
      'mkdir -p rootfs/usr/local/bin image-config',
      'cp src/app.sh rootfs/usr/local/bin/app && chmod 755 rootfs/usr/local/bin/app',
      'printf \'["/usr/local/bin/app"]\' > image-config/Entrypoint',
      '',
    ].join('\n'));
    chmodSync(join(bin, 'cairn'), 0o755);
    chmodSync(join(bin, 'make'), 0o755);

    const script = quickStart(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).replaceAll('registry.example', registry().host);
    const env = { ...process.env, PATH: `${bin}:${process.env['PATH']}`, EDITOR: 'true', CAIRN: REPO_ROOT };
    const { code, out } = await run(script, work, env);
    assert.equal(code, 0, out.slice(-4000));
    assert.match(out, /^PASS {2}layout 127\.0\.0\.1:\d+\/policy@sha256:[0-9a-f]{64}: signed by [0-9a-f]{8}; .*bound to the image: the layout inspects the image \(inspection image\)$/m);
    assert.match(out, /^PASS {2}inspection image: /m);
    assert.match(out, /^[0-9a-f]{64} {2}\/config\/Entrypoint$/m, 'cairn image files shows the execution parameters');
    assert.match(out, /^PASS: the software product passed all verification$/m);
  });
});
