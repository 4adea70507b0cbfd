import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey } from '../../src/crypto/index.js';
import { makeStatement, serializeDocument, signStatement } from '../../src/intoto/index.js';
import { closeStore, openStore, parseReference, readReferrersIndex, type Store } from '../../src/oci/index.js';
import type { Descriptor } from '../../src/schema/index.js';
import { runCairn, useRegistry } from '../helpers/registry.js';
import { buildImage, pushImage } from '../helpers/image.js';

// 50 `cairn attach` processes started at once against one subject on distribution 2.8.2
// (no referrers API, If-Match ignored): every referrer must be discoverable afterwards, and the
// sha256-<hex> index itself must list all 50 (re-read after write, repair from referrer tags).

const registry = useRegistry();
const N = 50;
const tmp = mkdtempSync(join(tmpdir(), 'cairn-concurrent-'));
const files: string[] = [];
let store: Store;
let subject: Descriptor;

describe(`${N} concurrent attach processes on the tag fallback`, () => {
  before(async () => {
    store = await openStore(parseReference(`${registry().host}/busy/app`));
    subject = await pushImage(store, await buildImage('concurrent'), 'v1');
    const key = generateKey('ed25519');
    for (let i = 0; i < N; i++) {
      const st = makeStatement([{ name: 'app', digest: { sha256: subject.digest.slice(7) } }], 'https://example.com/test/v1', { run: i });
      const path = join(tmp, `att-${i}.intoto.jsonl`);
      writeFileSync(path, serializeDocument(await signStatement(st, [key])));
      files.push(path);
    }
  });

  it('loses none of them', async () => {
    const runs = await Promise.all(files.map((f) => runCairn(['attach', '--output', 'json', `${registry().host}/busy/app:v1`, f])));
    const failed = runs.filter((r) => r.code !== 0);
    assert.deepEqual(failed.map((r) => r.stderr), []);
    const pushed = runs.map((r) => (JSON.parse(r.stdout) as { referrers: { referrer: string }[] }).referrers[0]?.referrer).sort();
    assert.equal(new Set(pushed).size, N);
    const discovered = await runCairn(['discover', '--output', 'json', `${registry().host}/busy/app:v1`]);
    assert.equal(discovered.code, 0, discovered.stderr);
    const listed = (JSON.parse(discovered.stdout) as { referrers: { digest: string }[] }).referrers.map((r) => r.digest).sort();
    assert.deepEqual(listed, pushed);
    const index = await readReferrersIndex(store, subject);
    assert.deepEqual(index.index.manifests.map((d) => d.digest).sort(), pushed);
    await closeStore(store);
  });
});
