import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { OciLayoutStore } from '../../src/oci/index.js';
import { pushIndex } from '../helpers/image.js';
import { runCairn } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';
import { sha256Hex } from '../../src/digest/index.js';

// `cairn image files` on an OCI layout: what the rule engine sees, by platform.

describe('cairn image files', () => {
  const dir = tmpDir('cairn-image-files-');
  const layout = join(dir, 'img');
  let index = '';
  let amd64 = '';

  before(async () => {
    const store = OciLayoutStore.open(layout, { create: true });
    const r = await pushIndex(store, 'files', 'v1');
    index = r.index.digest;
    amd64 = r.platforms[0]!.digest;
  });

  it('asks for a platform when given an index, naming the platforms there are', async () => {
    const r = await runCairn(['image', 'files', `oci:${layout}:v1`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is a multi-platform index: choose a platform \(linux\/amd64, linux\/arm64\/v8\) \(hint: give --platform OS\/ARCH\[\/VARIANT\]\)/);
  });

  it('lists the flattened files with their sha256, and the image digests', async () => {
    const r = await runCairn(['image', 'files', `oci:${layout}@${index}`, '--platform', 'linux/amd64']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.ok(lines.includes(`${sha256Hex('#!/bin/sh\necho files/amd64\n')}  app/bin`), r.stdout);
    assert.ok(lines.some((l) => l.endsWith('  app/cache/b')));
    assert.ok(!lines.some((l) => l.endsWith('  app/cache/a')), 'hidden by the opaque directory');
    assert.ok(!lines.some((l) => l.endsWith('  app/old.txt')), 'removed by a whiteout');
    assert.ok(lines.includes(`${sha256Hex('#!/bin/sh\necho files/amd64\n')}  etc/app`), 'a symlink to a file is an artifact: that file\'s sha256');
    assert.ok(lines.includes(`${amd64.slice(7)}  /oci/manifest`));
    assert.ok(lines.includes(`${index.slice(7)}  /oci/index`));
  });

  it('describes every entry in JSON', async () => {
    const r = await runCairn(['image', 'files', `oci:${layout}@${amd64}`, '--output', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.manifest.digest, amd64);
    assert.equal(out.layers.length, 3);
    const link = out.files.find((f: { path: string }) => f.path === 'etc/app');
    assert.deepEqual({ type: link.type, linkname: link.linkname, resolved: link.resolved }, { type: 'symlink', linkname: '../app/bin', resolved: 'app/bin' });
    assert.equal(out.artifacts['/oci/manifest'].sha256, amd64.slice(7));
  });
});
