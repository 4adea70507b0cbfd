import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cairn, type Ran } from '../helpers/exec.js';
import { tmpDir } from '../helpers/tmp.js';
import { buildImage, pushImage } from '../helpers/image.js';
import { OciLayoutStore } from '../../src/oci/index.js';
import { digestOf } from '../../src/digest/index.js';
import { fileOrReference, fileOrKeyid, looksLikeReference } from '../../src/cli/file-or-reference.js';

// Issue 13 §3: what the user pinned is what is used. `--layout REF@sha256:...` used to be read
// from a local file when one of that name existed in the working directory, so any old layout
// the owner ever signed, saved under the pinned name, replaced the pin. Every flag that takes a
// file or a reference now reads the text as a reference first, by its shape, and refuses when a
// file of that name exists too.

describe('files or references: the rule', () => {
  it('reads references by their shape and everything else as a file', () => {
    for (const ref of ['oci:store@sha256:' + 'a'.repeat(64), 'oci:dir:v1', 'registry.example/policy@sha256:' + 'b'.repeat(64), '127.0.0.1:5000/policy:v1', 'localhost/p', 'policy@sha256:' + 'c'.repeat(64), '[::1]:5000/p', 'my.dir/root.layout']) {
      assert.ok(looksLikeReference(ref), ref);
    }
    for (const file of ['root.layout', 'layouts/root.layout', './oci:store@sha256:' + 'a'.repeat(64), '/abs/registry.example/p', '../x/y.layout', 'policy:v1', 'user/policy:v1', 'layout@v2.json']) {
      assert.ok(!looksLikeReference(file), file);
    }
  });

  it('refuses when a file carries the name of a reference, and says how to pick the file', async () => {
    const dir = tmpDir();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const pinned = `oci:store@sha256:${'d'.repeat(64)}`;
      assert.deepEqual(await fileOrReference(pinned, '--layout').then((r) => r.kind), 'reference');
      writeFileSync(pinned, 'old layout');
      await assert.rejects(fileOrReference(pinned, '--layout'), /--layout oci:store@sha256:d+: is both a reference and the name of a file here; write \.\/oci:store@sha256:d+ for the file/);
      assert.deepEqual(await fileOrReference(`./${pinned}`, '--layout'), { kind: 'file', path: `./${pinned}` });
      await assert.rejects(fileOrReference('oci:', '--layout'), /not a valid reference .*; for a file, write \.\/oci:/);
      const keyid = 'e'.repeat(64);
      assert.deepEqual(fileOrKeyid(keyid, '--revoke-key'), { kind: 'keyid', keyid });
      writeFileSync(keyid, 'a key file');
      assert.throws(() => fileOrKeyid(keyid, '--revoke-key'), /is both a keyid and the name of a file here; write \.\/e+ for the file/);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('files or references: the CLI', () => {
  const dir = tmpDir('cairn-pinned-');
  let image: string;
  let pinnedDigest: string;
  const ok = (args: string[]): string => {
    const r = cairn(args, dir);
    assert.equal(r.status, 0, `cairn ${args.join(' ')}\n${r.stderr}`);
    return r.stdout.trim();
  };
  const refused = (r: Ran, pattern: RegExp) => {
    assert.equal(r.status, 2, r.stderr + r.stdout);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, pattern);
  };

  before(async () => {
    const store = OciLayoutStore.open(join(dir, 'store'), { create: true });
    image = `oci:store@${(await pushImage(store, await buildImage('pinned'))).digest}`;
    for (const k of ['owner', 'f']) ok(['key', 'generate', '--out', k]);
    ok(['layout', 'create', '--step', 'build=f.pub', '--out', 'pinned.layout', '--readme', 'the pinned layout']);
    ok(['layout', 'sign', 'pinned.layout', '--key', 'owner']);
    pinnedDigest = ok(['layout', 'push', 'pinned.layout', 'oci:store:policy', '--quiet']).split('\n').pop()!;
    ok(['layout', 'create', '--step', 'build=f.pub', '--out', 'old.layout', '--readme', 'an old layout the owner once signed']);
    ok(['layout', 'sign', 'old.layout', '--key', 'owner']);
  });

  it('never reads a layout pinned by digest from a file of the same name', () => {
    const pinned = `oci:store@${pinnedDigest}`;
    writeFileSync(join(dir, pinned), readFileSync(join(dir, 'old.layout')));
    refused(cairn(['verify', image, '--layout', pinned, '--layout-key', 'owner.pub'], dir), /--layout oci:store@sha256:[0-9a-f]{64}: is both a reference and the name of a file here; write \.\/oci:store@sha256:[0-9a-f]{64} for the file/);
    // the same for a registry reference, whose name is a path below a directory named for the host
    mkdirSync(join(dir, 'registry.example:5000'), { recursive: true });
    writeFileSync(join(dir, 'registry.example:5000', `policy@${pinnedDigest}`), readFileSync(join(dir, 'old.layout')));
    refused(cairn(['verify', image, '--layout', `registry.example:5000/policy@${pinnedDigest}`, '--layout-key', 'owner.pub'], dir), /is both a reference and the name of a file here/);
    // ./NAME is the file, on purpose: the report names the file and its own digest
    const asFile = cairn(['verify', image, '--layout', `./${pinned}`, '--layout-key', 'owner.pub', '--output', 'json'], dir);
    assert.doesNotMatch(asFile.stderr, /both a reference/);
    assert.ok(!asFile.stdout.includes(pinnedDigest) || asFile.stdout.includes(digestOf(readFileSync(join(dir, 'old.layout')))), asFile.stdout);
    // with the file gone, the reference is used
    rmSync(join(dir, pinned));
    const asRef = cairn(['verify', image, '--layout', pinned, '--layout-key', 'owner.pub'], dir);
    assert.doesNotMatch(asRef.stderr, /both a reference/);
    assert.match(asRef.stdout + asRef.stderr, new RegExp(pinnedDigest.slice(7, 19)));
  });

  it('keeps `--layout root.layout` a file, and refuses a reference where only a file can be read', () => {
    const local = cairn(['verify', '--layout', 'pinned.layout', '--layout-key', 'owner.pub', '--link-dir', '.'], dir);
    assert.match(local.stdout, /layout pinned\.layout: signed by/);
    refused(cairn(['verify', '--layout', `oci:store@${pinnedDigest}`, '--layout-key', 'owner.pub'], dir), /--layout oci:store@sha256:[0-9a-f]{64}: verifying without an image reads the layout from a file/);
    refused(cairn(['verify', image, '--layout', 'pinned.layout', '--trust-root', './root.1.json'], dir), /--trust-root \.\/root\.1\.json: takes a reference/);
  });

  it('reads a trust root and a revoked key by the same rule', () => {
    ok(['trust', 'init', '--key', 'owner', '--out', 'root.1.json']);
    const rootDigest = ok(['trust', 'push', 'root.1.json', 'oci:trust', '--quiet']).split('\n').pop()!;
    const pinned = `oci:trust@${rootDigest}`;
    writeFileSync(join(dir, pinned), readFileSync(join(dir, 'root.1.json')));
    refused(cairn(['trust', 'show', pinned], dir), /oci:trust@sha256:[0-9a-f]{64}: is both a reference and the name of a file here/);
    refused(cairn(['trust', 'rotate', '--root', pinned, '--key', 'owner'], dir), /--root oci:trust@sha256:[0-9a-f]{64}: is both a reference/);
    assert.match(ok(['trust', 'show', `./${pinned}`]), /trust root version 1/);
    rmSync(join(dir, pinned));
    assert.match(ok(['trust', 'show', pinned, '--trust-state', 'state.json']), /trust root version 1/);
    const keyid = ok(['key', 'show', 'f.pub', '--output', 'json']).match(/[0-9a-f]{64}/)![0];
    writeFileSync(join(dir, keyid), readFileSync(join(dir, 'owner.pub')));
    refused(cairn(['trust', 'rotate', '--root', 'root.1.json', '--revoke-key', keyid, '--key', 'owner', '--out', 'root.2.json'], dir), /--revoke-key [0-9a-f]{64}: is both a keyid and the name of a file here/);
  });
});
