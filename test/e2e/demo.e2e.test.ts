import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { tmpDir } from '../helpers/tmp.js';
import { useRegistry } from '../helpers/registry.js';

// Issue 6's demo, run as the README says, on an OCI image-layout directory and against the real
// Debian registry (REGISTRY=host:port): it must pass, and each attack must be rejected (issue 13
// added a changed entrypoint, exit 1, and a layout that does not bind the image, exit 2).

function runDemo(env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(REPO_ROOT, 'demo', 'demo.sh')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

describe('make demo', () => {
  const registry = useRegistry();

  it('passes on an OCI layout and on the registry, and rejects each attack', async () => {
    const dir = tmpDir('cairn-demo-');
    const { code, out } = await runDemo({ ...process.env, DEMO_DIR: dir, REGISTRY: registry().host });
    assert.equal(code, 0, out.slice(-4000));
    assert.match(out, /== demo passed/);
    const passes = out.match(/^PASS: the software product passed all verification$/gm) ?? [];
    assert.equal(passes.length, 2, 'verified on the OCI layout and on the registry');
    assert.match(out, /FAIL: image: DISALLOW \* rejected usr\/local\/bin\/app \(materials\)/);
    assert.match(out, /FAIL: build: needs 1 authorised functionary, found 0 \(referrer sha256:[0-9a-f]{64}: no valid signature/);
    assert.match(out, /FAIL: the layout expired at 2020-01-01T00:00:00Z/);
    // issue 13: the config is artifacts (a changed entrypoint, same files, is rejected) and a
    // layout that does not bind the image is refused (exit 2) before any verdict
    assert.match(out, /^[0-9a-f]{64} {2}\/config\/Entrypoint$/m, '`cairn image files` shows the execution parameters');
    assert.match(out, /FAIL: image: DISALLOW \* rejected \/config\/Entrypoint \(materials\)/);
    assert.match(out, /cairn: layout unbound\.layout: does not bind the image sha256:[0-9a-f]{64}: no cairn:image inspection/);
    assert.equal((out.match(/\(refused with exit code 2, as it must be\)/g) ?? []).length, 1);
    assert.equal((out.match(/\(rejected with exit code 1, as it must be\)/g) ?? []).length, 5);
    assert.match(out, /pushed a signed verification summary: sha256:[0-9a-f]{64}/);
    assert.doesNotMatch(out, /^WARN/m, 'the demo layout expects exactly the commands the steps ran');
  });
});
