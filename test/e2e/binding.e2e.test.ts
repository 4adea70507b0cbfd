import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCairn, type CairnRun } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';
import { buildImage, pushImage } from '../helpers/image.js';
import { OciLayoutStore } from '../../src/oci/index.js';
import { encodeKeyPair, generateKey } from '../../src/crypto/index.js';

// Issue 13 §1 through the CLI, on an OCI layout: a layout with a build step and no image
// inspection, signed, used to PASS any image to which an authorised build link was attached.
// Now `cairn verify IMAGE` refuses it (exit 2, one line saying what to add), `--allow-unbound`
// verifies it with a loud warning, `cairn layout check` warns, and the layout `cairn layout
// create` writes by default binds the image (its files must be products of a step).

describe('cairn verify IMAGE refuses a layout that does not bind the image', () => {
  const dir = tmpDir('cairn-binding-');
  const cairn = (args: string[]): Promise<CairnRun> => runCairn(args, { cwd: dir });
  const ok = async (args: string[]): Promise<string> => {
    const r = await cairn(args);
    assert.equal(r.code, 0, `cairn ${args.join(' ')}\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const images: string[] = [];

  before(async () => {
    for (const n of ['owner', 'dev']) {
      const { privatePem, publicPem } = encodeKeyPair(generateKey('ed25519'));
      writeFileSync(join(dir, n), privatePem, { mode: 0o600 });
      writeFileSync(join(dir, `${n}.pub`), publicPem);
    }
    const store = OciLayoutStore.open(join(dir, 'img'), { create: true });
    await ok(['run', '-n', 'build', '-k', 'dev', '-x']);
    for (const seed of ['one', 'two']) {
      const desc = await pushImage(store, await buildImage(seed));
      images.push(`oci:img@${desc.digest}`);
      await ok(['attach', images[images.length - 1]!, ...readdirSync(dir).filter((f) => /^build\.[0-9a-f]{8}\.link$/.test(f))]);
    }
  });

  it('refuses (exit 2) a layout without the image inspection, for every image the link hangs off', async () => {
    await ok(['layout', 'create', '--no-image', '--step', 'build=dev.pub', '--out', 'unbound.layout']);
    const check = await cairn(['layout', 'check', 'unbound.layout']);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /warning: inspect: no cairn:image inspection: `cairn verify IMAGE` refuses this layout/);
    await ok(['layout', 'sign', 'unbound.layout', '--key', 'owner']);
    for (const image of images) {
      const r = await cairn(['verify', image, '--layout', 'unbound.layout', '--layout-key', 'owner.pub']);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout, /^PASS/m);
      const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('cairn: '));
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, /^cairn: layout unbound\.layout: does not bind the image sha256:[0-9a-f]{64}: .*Add the image inspection \(`cairn layout create` writes one\)/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('--allow-unbound verifies it, loudly, and pushes no summary', async () => {
    const r = await cairn(['verify', images[0]!, '--layout', 'unbound.layout', '--layout-key', 'owner.pub', '--allow-unbound', '--summary-key', 'dev']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /warning: --allow-unbound: a layout that does not bind this image is accepted; such a verdict says nothing about the image/);
    assert.match(r.stdout, /^WARN {2}layout unbound\.layout: UNBOUND: nothing in the layout names sha256:[0-9a-f]{64}/m);
    assert.match(r.stderr, /no verification summary pushed: the layout does not bind the image/);
    const local = await cairn(['verify', '--layout', 'unbound.layout', '--layout-key', 'owner.pub', '--allow-unbound']);
    assert.equal(local.code, 2);
    assert.match(local.stderr, /--allow-unbound applies to `cairn verify IMAGE` only/);
  });

  it('the layout `cairn layout create` writes by default binds the image: files no step produced fail', async () => {
    await ok(['layout', 'create', '--step', 'build=dev.pub', '--out', 'bound.layout']);
    const check = await cairn(['layout', 'check', 'bound.layout']);
    assert.doesNotMatch(check.stdout, /warning/);
    await ok(['layout', 'sign', 'bound.layout', '--key', 'owner']);
    const r = await cairn(['verify', images[0]!, '--layout', 'bound.layout', '--layout-key', 'owner.pub']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^FAIL: image: DISALLOW \* rejected app\/bin, app\/cache\/b, etc\/app, etc\/os-release \(materials\)$/m);
  });
});
