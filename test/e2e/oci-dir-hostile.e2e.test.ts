import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runBounded } from '../helpers/spawn.js';
import { tmpDir } from '../helpers/tmp.js';
import { buildImage, pushImage } from '../helpers/image.js';
import { OciLayoutStore } from '../../src/oci/index.js';
import type { Descriptor } from '../../src/schema/index.js';

// Issue 13 §5: an `oci:` directory is untrusted input (it is the air-gap transfer format). A
// blob, index.json or oci-layout that is a symlink, a FIFO or a device, or a blob larger than
// its descriptor, is refused without being read: a symlink to /dev/zero used to be read until
// the process died, and a FIFO blocked it forever. Each case runs the CLI with a deadline, so a
// hang is a failure of the test, not of the suite.

const blob = (dir: string, d: Descriptor) => join(dir, 'blobs', 'sha256', d.digest.slice(7));

function mkfifo(path: string): void {
  rmSync(path, { force: true });
  const r = spawnSync('mkfifo', [path]);
  assert.equal(r.status, 0, String(r.stderr));
}

function toDevZero(path: string): void {
  rmSync(path, { force: true });
  symlinkSync('/dev/zero', path);
}

describe('hostile oci: directories', () => {
  const root = tmpDir('cairn-ocidir-');
  const base = join(root, 'base');
  let manifest: Descriptor;
  let layer: Descriptor;

  before(async () => {
    const image = await buildImage('hostile-dir');
    const store = OciLayoutStore.open(base, { create: true });
    manifest = await pushImage(store, image, 'v1');
    layer = image.blobs[0]!.desc;
  });

  // A copy of the good directory with one thing replaced, and what `cairn image files` says of it.
  async function attempt(name: string, tamper: (dir: string) => void, ref = (dir: string) => `oci:${dir}@${manifest.digest}`) {
    const dir = join(root, name);
    cpSync(base, dir, { recursive: true });
    tamper(dir);
    const r = await runBounded(['image', 'files', ref(dir)], { deadlineMs: 20_000 });
    assert.equal(r.timedOut, false, `${name}: cairn hung (killed at the deadline)`);
    assert.ok(r.code === 2 || r.code === 3, `${name}: exit ${r.code}\n${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${name}: one line\n${r.stderr}`);
    return lines[0]!;
  }

  it('refuses a manifest blob that is a symlink to /dev/zero, or a FIFO, without reading it', async () => {
    assert.match(await attempt('manifest-zero', (d) => toDevZero(blob(d, manifest))), /sha256:[0-9a-f]{64}: .*symbolic link/);
    assert.match(await attempt('manifest-fifo', (d) => mkfifo(blob(d, manifest))), /not a regular file \(a FIFO\)/);
    // not listed in index.json: resolving the digest reads the blob itself
    const untagged = (d: string) => writeFileSync(join(d, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }));
    assert.match(await attempt('untagged-zero', (d) => { untagged(d); toDevZero(blob(d, manifest)); }), /symbolic link/);
    assert.match(await attempt('untagged-fifo', (d) => { untagged(d); mkfifo(blob(d, manifest)); }), /not a regular file \(a FIFO\)/);
  });

  it('refuses a layer blob that is a symlink, a FIFO, or larger than its descriptor, without reading it', async () => {
    assert.match(await attempt('layer-zero', (d) => toDevZero(blob(d, layer))), /symbolic link/);
    assert.match(await attempt('layer-fifo', (d) => mkfifo(blob(d, layer))), /not a regular file \(a FIFO\)/);
    // 1 TiB (sparse): read, it would take hours; refused by its size at once
    assert.match(await attempt('layer-huge', (d) => truncateSync(blob(d, layer), 2 ** 40)), new RegExp(`${layer.digest}: .*1099511627776 bytes, but its descriptor says ${layer.size}`));
  });

  it('refuses an index.json or an oci-layout file that is not a regular file', async () => {
    assert.match(await attempt('index-zero', (d) => toDevZero(join(d, 'index.json')), (d) => `oci:${d}:v1`), /index\.json: .*symbolic link/);
    assert.match(await attempt('index-fifo', (d) => mkfifo(join(d, 'index.json')), (d) => `oci:${d}:v1`), /index\.json: not a regular file/);
    assert.match(await attempt('marker-fifo', (d) => mkfifo(join(d, 'oci-layout'))), /oci-layout: not a regular file/);
    assert.match(await attempt('index-huge', (d) => {
      writeFileSync(join(d, 'index.json'), '');
      truncateSync(join(d, 'index.json'), 2 ** 40);
    }, (d) => `oci:${d}:v1`), /index\.json: .*larger than the limit/);
  });
});
