import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { digestOf } from '../../src/digest/index.js';
import { encodeJson, OciLayoutStore, OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from '../../src/oci/index.js';
import { pushIndex } from '../helpers/image.js';
import { run } from '../helpers/exec.js';
import { CAIRN_BIN } from '../helpers/paths.js';
import { runCairn } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

// `cairn copy --platform os/arch` copies one platform of an index and its referrers; a copy on
// a terminal shows the rate and time left, summaries use human sizes, and a pipe or --quiet get
// no progress at all (issue 17). The terminal is a real pseudo-terminal (util-linux `script`).

const LAYER_BYTES = 24 * 1024 * 1024;

describe('cairn copy --platform, progress and sizes', () => {
  const dir = tmpDir('cairn-copy-ux-');
  const src = join(dir, 'src');
  let platforms: { digest: string }[] = [];

  before(async () => {
    const store = OciLayoutStore.open(src, { create: true });
    platforms = (await pushIndex(store, 'copy-ux', 'multi')).platforms;
    // an image with one big layer (random bytes: a copy does not look inside layers)
    const layer = randomBytes(LAYER_BYTES);
    const layerDesc = { mediaType: OCI_LAYER_GZIP, digest: digestOf(layer), size: layer.length };
    const config = encodeJson(OCI_CONFIG, { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layerDesc.digest] }, config: {} });
    const manifest = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, config: config.desc, layers: [layerDesc] });
    await store.push(layerDesc, layer);
    await store.push(config.desc, config.bytes);
    await store.push(manifest.desc, manifest.bytes);
    await store.tag(manifest.desc, 'big');
    writeFileSync(join(dir, 'predicate.json'), '{"ok":true}');
    const key = await runCairn(['key', 'generate', '--out', join(dir, 'k')]);
    assert.equal(key.code, 0, key.stderr);
  });

  it('copies one platform of an index, with that platform\'s referrers', async () => {
    const arm = platforms[1]!.digest;
    const attest = await runCairn(['attest', `oci:${src}@${arm}`, '--predicate', join(dir, 'predicate.json'), '--type', 'https://example.com/t/v1', '--key', join(dir, 'k')]);
    assert.equal(attest.code, 0, attest.stderr);
    const dst = join(dir, 'one');
    const r = await runCairn(['copy', '--platform', 'linux/arm64', '--referrers', `oci:${src}:multi`, `oci:${dst}:arm`, '--output', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { digest: string; platform: string; referrers: number };
    assert.deepEqual([out.digest, out.platform, out.referrers], [arm, 'linux/arm64', 1]);
    const index = JSON.parse(readFileSync(join(dst, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
    const tagged = index.manifests.filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'arm');
    assert.deepEqual(tagged.map((m) => m.digest), [arm]);
    const blobs = run('ls', [join(dst, 'blobs', 'sha256')]).stdout.split('\n');
    assert.ok(!blobs.includes(platforms[0]!.digest.slice(7)), 'the other platform is not copied');
    const discovered = await runCairn(['discover', `oci:${dst}@${arm}`, '--output', 'json']);
    assert.equal((JSON.parse(discovered.stdout) as { referrers: unknown[] }).referrers.length, 1);
    // an image of one platform has nothing to choose from
    const single = await runCairn(['copy', '--platform', 'linux/amd64', `oci:${src}@${arm}`, `oci:${join(dir, 'x')}`]);
    assert.equal(single.code, 2);
    assert.match(single.stderr, /not a multi-platform index/);
    const missing = await runCairn(['copy', '--platform', 'linux/s390x', `oci:${src}:multi`, `oci:${join(dir, 'y')}`]);
    assert.equal(missing.code, 3, missing.stderr); // NOT_FOUND, as for verify --platform
    assert.match(missing.stderr, /no image for platform linux\/s390x in the index \(platforms: linux\/amd64, linux\/arm64\/v8\)/);
  });

  it('shows rate and time left on a terminal, human sizes in the summary, nothing on a pipe or with --quiet', async () => {
    const tty = (args: string) => run('script', ['-qfec', `${process.execPath} ${CAIRN_BIN} ${args}`, '/dev/null'], { env: { ...process.env, COLUMNS: '160', TERM: 'xterm' } });
    const shown = tty(`copy oci:${src}:big oci:${join(dir, 'tty')}`);
    assert.equal(shown.status, 0, shown.stdout);
    assert.match(shown.stdout, /copy \[.*\] \d+% \| .*B\/.*B \| [\d.]+ (B|KiB|MiB|GiB)\/s \| ETA \S+ \| \d+ blobs/);
    assert.match(shown.stdout, /\(24\.0 MiB; 0 already there/);
    const quiet = tty(`copy --quiet oci:${src}:big oci:${join(dir, 'tty-quiet')}`);
    assert.equal(quiet.status, 0, quiet.stdout);
    assert.doesNotMatch(quiet.stdout, /ETA|copied/);
    const piped = await runCairn(['copy', `oci:${src}:big`, `oci:${join(dir, 'piped')}`]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.doesNotMatch(piped.stderr, /ETA|\/s \|/);
    assert.match(piped.stderr, /\(24\.0 MiB;/);
    assert.doesNotMatch(piped.stderr, /\d{6,} bytes/);
  });
});
