import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { digestOf } from '../../src/digest/index.js';
import { encodeKeyPair, generateKey, keyVerifier, type PrivateKey } from '../../src/crypto/index.js';
import { makeStatement, readSignedDocument, serializeDocument, signStatement, verifyDocument } from '../../src/intoto/index.js';
import { closeStore, EMPTY_BYTES, EMPTY_DESCRIPTOR, encodeJson, listReferrers, OCI_MANIFEST, OciLayoutStore, openStore, parseReference, pushReferrer, referrerDescriptor, parseManifestNode } from '../../src/oci/index.js';
import type { Descriptor } from '../../src/schema/index.js';
import { useRegistry } from '../helpers/registry.js';
import { runBounded, startCairn } from '../helpers/spawn.js';
import { checkLayoutDir } from '../helpers/layout-check.js';
import { prng } from '../helpers/proxy.js';
import { tmpDir } from '../helpers/tmp.js';

// Issue 9, crashes: `cairn copy` into an oci: directory, `cairn attach` to one, and `cairn run`
// over a big tree, each killed with SIGKILL at random moments (seeded) over the time a full run
// takes (weighted to its later part, where the writes are). After every kill: each blob is its digest, index.json is whole and complete, a link
// file is whole and verifies; temp files may remain but are never read. The next run succeeds,
// and the first write of a layout removes temp files a dead writer left long ago.

const registry = useRegistry();
const tmp = tmpDir('cairn-crash-');
const random = prng(9);
let key: PrivateKey;
let image: Descriptor;
const referrers: Descriptor[] = [];
const KILLS = 8;
const REFERRERS = 12;

// Starts cairn, kills it after `ms` (if it is still running), and returns how it ended.
async function killAfter(args: string[], ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const run = startCairn(args, { deadlineMs: 60_000 });
  const timer = sleep(ms).then(() => run.child.kill('SIGKILL'));
  const done = await run.done;
  await timer;
  return done;
}

// How long a full run takes (ms), to spread the kills over it.
async function timed(args: string[], cwd?: string): Promise<number> {
  const t0 = Date.now();
  const r = await runBounded(args, { cwd });
  assert.equal(r.code, 0, r.stderr);
  return Date.now() - t0;
}

function assertWholeLayout(dir: string, when: string): void {
  const report = checkLayoutDir(dir);
  assert.deepEqual(report.problems, [], `${when}: ${report.problems.join('; ')}`);
}

describe('kill -9 never leaves half a blob, index or link', () => {
  before(async () => {
    key = generateKey('ed25519');
    writeFileSync(join(tmp, 'key'), encodeKeyPair(key).privatePem);
    const store = await openStore(parseReference(`${registry().host}/crash/app`));
    const layers: Descriptor[] = [];
    for (let i = 0; i < 6; i++) {
      const bytes = randomBytes(4 * 1024 * 1024);
      const desc = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(bytes), size: bytes.length };
      await store.push(desc, bytes);
      layers.push(desc);
    }
    await store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES);
    const manifest = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, config: EMPTY_DESCRIPTOR, layers });
    await store.push(manifest.desc, manifest.bytes);
    await store.tag(manifest.desc, 'v1');
    image = manifest.desc;
    // referrers, each with a layer of its own, under a second tag (the copy above stays plain)
    const tagged = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, config: EMPTY_DESCRIPTOR, layers: layers.slice(0, 2) });
    await store.push(tagged.desc, tagged.bytes);
    await store.tag(tagged.desc, 'with-referrers');
    for (let i = 0; i < REFERRERS; i++) {
      const bytes = randomBytes(64 * 1024);
      const layer = { mediaType: 'application/vnd.test.evidence', digest: digestOf(bytes), size: bytes.length };
      await store.push(layer, bytes);
      const m = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.test', config: EMPTY_DESCRIPTOR, layers: [layer], subject: tagged.desc });
      const desc = referrerDescriptor(parseManifestNode(m.desc, m.bytes));
      await pushReferrer(store, tagged.desc, desc, m.bytes, { settleMs: 1 });
      referrers.push(desc);
    }
    await closeStore(store);
  });

  it('cairn copy into oci: directories, killed at 8 moments, then run to the end in each', async () => {
    const args = (dir: string) => ['copy', `${registry().host}/crash/app:v1`, `oci:${dir}`, '--quiet'];
    const full = await timed(args(join(tmp, 'copy-timing')));
    const dirs = Array.from({ length: KILLS }, (_, i) => join(tmp, `copy-${i}`));
    for (const dir of dirs) {
      const r = await killAfter(args(dir), Math.floor(full * (0.2 + random() * 1.1)));
      assert.ok(r.signal === 'SIGKILL' || r.code === 0, `exit ${r.code}: ${r.stderr}`);
      if (existsSync(dir)) assertWholeLayout(dir, `${dir} after the kill`);
    }
    // Leftovers of long-dead writers are removed by the next write; a fresh one may be a live writer's.
    const dir = dirs[0] as string;
    mkdirSync(join(dir, 'ingest'), { recursive: true });
    const old = new Date(Date.now() - 2 * 3600 * 1000);
    writeFileSync(join(dir, 'ingest', 'dead-writer'), 'half a blob');
    writeFileSync(join(dir, '.index.json.tmp-deadbeef'), '{"schemaVersion":');
    writeFileSync(join(dir, 'index.json.lock.4242.deadbeef'), '4242 host 0\n'); // a lock's private copy
    for (const name of checkLayoutDir(dir).leftovers) utimesSync(join(dir, name), old, old);
    writeFileSync(join(dir, 'ingest', 'live-writer'), 'being written');
    for (const d of dirs) {
      const last = await runBounded(args(d));
      assert.equal(last.code, 0, last.stderr);
      assertWholeLayout(d, `${d} after the last run`);
      assert.equal((await OciLayoutStore.open(d).resolve('v1')).digest, image.digest);
    }
    assert.deepEqual(checkLayoutDir(dir).leftovers, ['ingest/live-writer']);
  });

  it('cairn copy --referrers into oci: directories, killed at 8 moments: index.json names no referrer before its content and subject', async () => {
    const args = (dir: string) => ['copy', '--referrers', `${registry().host}/crash/app:with-referrers`, `oci:${dir}`, '--quiet'];
    const full = await timed(args(join(tmp, 'referrers-timing')));
    const dirs = Array.from({ length: KILLS }, (_, i) => join(tmp, `referrers-${i}`));
    const subjectsPresent = (dir: string, when: string) => {
      if (!existsSync(join(dir, 'index.json'))) return;
      const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
      for (const d of index.manifests) {
        const subject = (JSON.parse(readFileSync(join(dir, 'blobs', 'sha256', d.digest.slice(7)), 'utf8')) as { subject?: Descriptor }).subject;
        if (subject) assert.ok(existsSync(join(dir, 'blobs', 'sha256', subject.digest.slice(7))), `${when}: index.json lists ${d.digest} before its subject`);
      }
    };
    let unlisted = 0;
    for (const dir of dirs) {
      const r = await killAfter(args(dir), Math.floor(full * (0.2 + random() * 1.1)));
      assert.ok(r.signal === 'SIGKILL' || r.code === 0, `exit ${r.code}: ${r.stderr}`);
      if (!existsSync(dir)) continue;
      assertWholeLayout(dir, `${dir} after the kill`);
      subjectsPresent(dir, `${dir} after the kill`);
      // referrers stored but not listed yet: the next run must list them, not skip them as present
      if (existsSync(join(dir, 'index.json'))) {
        const listed = new Set((JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] }).manifests.map((d) => d.digest));
        unlisted += referrers.filter((d) => !listed.has(d.digest) && existsSync(join(dir, 'blobs', 'sha256', d.digest.slice(7)))).length;
      }
    }
    for (const d of dirs) {
      const last = await runBounded(args(d));
      assert.equal(last.code, 0, last.stderr);
      assertWholeLayout(d, `${d} after the last run`);
      const listed = await listReferrers(OciLayoutStore.open(d), await OciLayoutStore.open(d).resolve('with-referrers'));
      assert.deepEqual(listed.map((x) => x.digest).sort(), referrers.map((x) => x.digest).sort(), `${d}: every referrer listed after the last run`);
    }
    process.stdout.write(`# referrers stored but not yet listed at a kill: ${unlisted}\n`);
  });

  it('cairn attach to an oci: directory, killed 8 times, then run to the end', async () => {
    const dir = join(tmp, 'copy-0');
    const st = makeStatement([{ name: 'app', digest: { sha256: image.digest.slice(7) } }], 'https://example.com/crash/v1', { n: 1 });
    const doc = join(tmp, 'statement.intoto.jsonl');
    writeFileSync(doc, serializeDocument(await signStatement(st, [key])));
    const args = (d: string) => ['attach', `oci:${d}:v1`, doc, '--quiet', '--output', 'json'];
    const timingDir = join(tmp, 'attach-timing');
    assert.equal((await runBounded(['copy', `oci:${dir}:v1`, `oci:${timingDir}`])).code, 0);
    const full = await timed(args(timingDir));
    for (let i = 0; i < KILLS; i++) {
      const r = await killAfter(args(dir), Math.floor(full * (0.4 + random() * 0.8)));
      assert.ok(r.signal === 'SIGKILL' || r.code === 0, `exit ${r.code}: ${r.stderr}`);
      assertWholeLayout(dir, `after kill ${i}`);
    }
    const last = await runBounded(args(dir));
    assert.equal(last.code, 0, last.stderr);
    const referrer = (JSON.parse(last.stdout) as { referrers: { referrer: string }[] }).referrers[0]?.referrer;
    assertWholeLayout(dir, 'after the last run');
    const listed = await listReferrers(OciLayoutStore.open(dir), image);
    assert.deepEqual(listed.map((d) => d.digest), [referrer]);
  });

  it('cairn run over 10,000 files, killed 8 times, then run to the end', async () => {
    const tree = join(tmp, 'tree');
    for (let d = 0; d < 100; d++) {
      mkdirSync(join(tree, `d${d}`), { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(join(tree, `d${d}`, `f${f}.txt`), `${d}/${f}\n`);
    }
    const links = join(tmp, 'links');
    const args = ['run', '-n', 'build', '-k', join(tmp, 'key'), '-m', 'tree', '-p', 'tree', '-d', links, '--quiet', '--', 'true'];
    const full = await timed(args.map((a) => (a === links ? join(tmp, 'links-timing') : a)), tmp);
    const linkName = `build.${key.publicKey.keyId.slice(0, 8)}.link`;
    const check = (when: string) => {
      for (const name of existsSync(links) ? readdirSync(links) : []) {
        if (/^\.build\.[0-9a-f]{8}\.link\.tmp-[0-9a-f]+$/.test(name)) continue;
        assert.equal(name, linkName, `${when}: unexpected file ${name}`);
        const doc = readSignedDocument(readFileSync(join(links, name), 'utf8'), name);
        assert.equal(verifyDocument(doc, [keyVerifier(key.publicKey)]).signers.length, 1, `${when}: ${name} does not verify`);
      }
    };
    for (let i = 0; i < KILLS; i++) {
      const r = startCairn(args, { cwd: tmp, deadlineMs: 60_000 });
      const timer = sleep(Math.floor(full * (0.3 + random() * 0.9))).then(() => r.child.kill('SIGKILL'));
      const done = await r.done;
      await timer;
      assert.ok(done.signal === 'SIGKILL' || done.code === 0, `exit ${done.code}: ${done.stderr}`);
      check(`after kill ${i}`);
    }
    const last = await runBounded(args, { cwd: tmp });
    assert.equal(last.code, 0, last.stderr);
    check('after the last run');
    const doc = readSignedDocument(readFileSync(join(links, linkName), 'utf8'), linkName);
    assert.ok(doc.format === 'legacy');
    assert.equal(Object.keys((doc.metablock.signed as { products: Record<string, unknown> }).products).length, 10_000);
  });
});
