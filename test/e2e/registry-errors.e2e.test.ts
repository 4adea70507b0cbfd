import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestOf } from '../../src/digest/index.js';
import { closeStore, OciLayoutStore, openStore, parseReference, OCI_MANIFEST, REF_NAME, type Store } from '../../src/oci/index.js';
import { runCairn, useRegistry, type CairnRun } from '../helpers/registry.js';
import { buildImage, pushImage } from '../helpers/image.js';

// Bad references, unknown repositories, digest mismatches (storage corrupted behind the
// registry's back) and oversized manifests: each is one line on stderr and exit code 2 or 3.

const registry = useRegistry();
const tmp = mkdtempSync(join(tmpdir(), 'cairn-errors-'));
let store: Store;


function oneLine(r: CairnRun, code: number, re: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, re);
}

describe('one-line errors with exit codes 2 and 3', () => {
  before(async () => {
    store = await openStore(parseReference(`${registry().host}/errors/app`));
    await pushImage(store, await buildImage('errors'), 'v1');
  });

  it('bad references are exit 2', async () => {
    const reg = registry().host;
    oneLine(await runCairn(['discover', `${reg}/UPPER/case:v1`]), 2, /invalid repository name/);
    oneLine(await runCairn(['discover', `${reg}/app@sha256:1234`]), 2, /not a sha256 digest/);
    oneLine(await runCairn(['copy', `${reg}/app:bad:tag:x`, 'oci:/tmp/x']), 2, /invalid/);
    oneLine(await runCairn(['discover', `${reg}/errors/app`]), 2, /give a tag or a digest/);
  });

  it('unknown repositories, tags and digests are exit 3', async () => {
    const reg = registry().host;
    oneLine(await runCairn(['discover', `${reg}/no/such/repo:v1`]), 3, /404/);
    oneLine(await runCairn(['discover', `${reg}/errors/app:nope`]), 3, /MANIFEST_UNKNOWN/);
    oneLine(await runCairn(['discover', `${reg}/errors/app@sha256:${'0'.repeat(64)}`]), 3, /404/);
    oneLine(await runCairn(['discover', `oci:${join(tmp, 'missing')}:v1`]), 3, /not an OCI image layout/);
    oneLine(await runCairn(['discover', '127.0.0.1:1/x:y']), 3, /ECONNREFUSED/);
  });

  it('a blob that does not match its digest is exit 3 and leaves nothing behind', async () => {
    // distribution re-hashes manifests it serves (a corrupt one is its own 500) but not blobs:
    // flip one byte of a layer in the registry's storage and copy the image out.
    const img = await buildImage('errors');
    const layer = img.blobs[0]?.desc;
    assert.ok(layer);
    const hex = layer.digest.slice(7);
    const path = join(registry().storage, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    const bytes = readFileSync(path);
    bytes[bytes.length - 9] = (bytes[bytes.length - 9] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    const dir = join(tmp, 'out');
    oneLine(await runCairn(['copy', `${registry().host}/errors/app:v1`, `oci:${dir}`]), 3, /content is sha256:[0-9a-f]+, expected sha256:/);
    assert.equal(existsSync(join(dir, 'blobs/sha256', hex)), false);
  });

  it('a manifest over 4 MiB is exit 3 and never pushed', async () => {
    const dir = join(tmp, 'big');
    OciLayoutStore.open(dir, { create: true });
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf('{}'), size: 2 }, layers: [], annotations: { pad: 'x'.repeat(5 * 1024 * 1024) } }));
    const digest = digestOf(body);
    writeFileSync(join(dir, 'blobs/sha256', digest.slice(7)), body);
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, digest, size: body.length, annotations: { [REF_NAME]: 'big' } }] }));
    oneLine(await runCairn(['copy', `oci:${dir}:big`, `${registry().host}/errors/big:v1`]), 3, /larger than the limit/);
    oneLine(await runCairn(['discover', `${registry().host}/errors/big:v1`]), 3, /404/);
    await closeStore(store);
  });
});
