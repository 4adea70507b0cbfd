import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { encodeKeyPair, generateKey, keyDict } from '../../src/crypto/index.js';
import { linkFileName, makeLink, serializeDocument, signLink, signMetablock, type ArtifactMap } from '../../src/intoto/index.js';
import { POOL_MIN_BYTES, type ExamineJob, type ExamineResult } from '../../src/verify/examine-pool.js';
import { IndexStore } from '../../src/verify/packed-index.js';
import type { FromPoolThread, PoolThreadData, ToPoolThread } from '../../src/threads/index.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { runBounded } from '../helpers/spawn.js';
import { tmpDir } from '../helpers/tmp.js';

// Links of 8 MiB and more are examined on worker threads of the bundled CLI (a thread loads
// the CLI bundle with its code cache, tools/thread-loader.mjs). Verification over such links
// passes, and fails when one of them was altered after signing. (The thread protocol is the one
// pool of src/threads since issue 14: jobs as { index, job }, answers as { index, ok, value }.)

const N = 40_000;

describe('verify with links big enough for the worker threads', { timeout: 180_000 }, () => {
  it('passes over two 9 MB Metablocks and a DSSE link, and fails on an altered one', async () => {
    const dir = tmpDir();
    const owner = generateKey('ed25519');
    const alice = generateKey('ed25519');
    writeFileSync(join(dir, 'owner.pub'), encodeKeyPair(owner).publicPem);
    const arts: ArtifactMap = {};
    for (let i = 0; i < N; i++) arts[`src/f${String(i).padStart(6, '0')}.bin`] = { sha256: createHash('sha256').update(String(i)).digest('hex') };
    const names = ['a', 'b', 'c'];
    const layout = {
      _type: 'layout', expires: '2099-01-01T00:00:00Z', readme: '', inspect: [],
      keys: { [alice.publicKey.keyId]: keyDict(alice.publicKey) },
      steps: names.map((name, i) => ({
        _type: 'step', name, threshold: 1, pubkeys: [alice.publicKey.keyId], expected_command: [],
        expected_materials: i === 0 ? [['DISALLOW', '*']] : [['MATCH', '*', 'WITH', 'PRODUCTS', 'FROM', names[i - 1]!], ['DISALLOW', '*']],
        expected_products: i === 0 ? [['CREATE', '*'], ['DISALLOW', '*']] : [['MATCH', '*', 'WITH', 'PRODUCTS', 'FROM', names[i - 1]!], ['DISALLOW', '*']],
      })),
    };
    writeFileSync(join(dir, 'root.layout'), serializeDocument({ format: 'legacy', metablock: signMetablock(layout, [owner]) }));
    for (const [i, name] of names.entries()) {
      const format = name === 'c' ? 'dsse' : 'legacy';
      const doc = await signLink(makeLink({ name, materials: i === 0 ? {} : arts, products: arts }), [alice], format);
      writeFileSync(join(dir, linkFileName(name, alice.publicKey.keyId, format)), serializeDocument(doc));
      if (i > 0) assert.ok(statSync(join(dir, linkFileName(name, alice.publicKey.keyId, format))).size >= POOL_MIN_BYTES);
    }
    const verify = () => runBounded(['verify', '--layout', 'root.layout', '--layout-key', 'owner.pub', '--link-dir', '.'], { cwd: dir, deadlineMs: 120_000 });
    const ok = await verify();
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);

    const b = join(dir, linkFileName('b', alice.publicKey.keyId, 'legacy'));
    const text = readFileSync(b, 'utf8');
    const victim = arts['src/f039999.bin']!.sha256!;
    writeFileSync(b, text.replace(victim, victim.replace(/^./, (c) => (c === '0' ? '1' : '0'))));
    const bad = await verify();
    assert.equal(bad.code, 1, bad.stderr + bad.stdout);
    assert.match(bad.stdout + bad.stderr, /no valid signature by a key authorised for this step/);
  });

  it('answers jobs from the bundled thread loader', async () => {
    const data: PoolThreadData = { control: new SharedArrayBuffer(4), stopOnFailure: false };
    const worker = new Worker(join(REPO_ROOT, 'dist', 'bundle', 'examine-worker.js'), { workerData: data });
    try {
      const dir = tmpDir();
      const alice = generateKey('ed25519');
      const path = join(dir, 'x.link');
      writeFileSync(path, serializeDocument(await signLink(makeLink({ name: 'x', products: { a: { sha256: 'ab' } } }), [alice], 'dsse')));
      const job: ToPoolThread<ExamineJob> = { index: 0, job: { item: { origin: { store: 'directory', path }, unopened: { path, bundle: true, size: 1 } }, keys: [{ ...alice.publicKey, certificate: undefined }] } };
      const answer = new Promise<FromPoolThread<ExamineResult>>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      worker.postMessage(job);
      const m = await answer;
      assert.ok(m.ok && m.value);
      assert.deepEqual(m.value[0]!.signers, [alice.publicKey.fingerprint]);
      // the artifacts come packed (one string), and unpack to the link's index
      assert.deepEqual([...new IndexStore().unpack(m.value[0]!.body!.products)], [['a', 'ab']]);
    } finally {
      await worker.terminate();
    }
  });
});
