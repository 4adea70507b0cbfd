import { describe, it, before, after } from 'node:test';
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
// And one attach with nobody else writing: one index write, one read of the index and the tags
// after it, and no pause (the requests, from --debug, show it).

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

  after(async () => {
    await closeStore(store);
  });

  it('loses none of them', async () => {
    const runs = await Promise.all(files.map((f) => runCairn(['attach', '--output', 'json', `${registry().host}/busy/app:v1`, f])));
    const failed = runs.filter((r) => r.code !== 0);
    assert.deepEqual(failed.map((r) => `exit ${r.code}: ${r.stderr}${r.stdout}`), []);
    const pushed = runs.map((r) => (JSON.parse(r.stdout) as { referrers: { referrer: string }[] }).referrers[0]?.referrer).sort();
    assert.equal(new Set(pushed).size, N);
    const discovered = await runCairn(['discover', '--output', 'json', `${registry().host}/busy/app:v1`]);
    assert.equal(discovered.code, 0, discovered.stderr);
    const listed = (JSON.parse(discovered.stdout) as { referrers: { digest: string }[] }).referrers.map((r) => r.digest).sort();
    assert.deepEqual(listed, pushed);
    const index = await readReferrersIndex(store, subject);
    assert.deepEqual(index.index.manifests.map((d) => d.digest).sort(), pushed);
  });

  it('alone, an attach writes the index once and reads it once more, at once', async () => {
    const fresh = await pushImage(store, await buildImage('alone'), 'alone');
    const fallback = `manifests/sha256-${fresh.digest.slice(7)}`;
    const requests: string[][] = [];
    for (const f of files.slice(0, 2)) {
      const r = await runCairn(['attach', '--debug', `${registry().host}/busy/app:alone`, f]);
      assert.equal(r.code, 0, r.stderr);
      requests.push(r.stderr.split('\n').filter((l) => /^debug: (GET|HEAD|PUT|POST) /.test(l)).map((l) => l.replace(/^debug: /, '').replace(/^(\S+) \S+\/v2\/busy\/app\//, '$1 ')));
    }
    const second = requests[1] as string[];
    const writes = second.map((l, i) => (l === `PUT ${fallback}` ? i : -1)).filter((i) => i >= 0);
    assert.equal(writes.length, 1, second.join('\n'));
    assert.deepEqual(second.slice((writes[0] as number) + 1).sort(), [`GET ${fallback}`, 'GET tags/list?…'].sort());
    // resolve, probe, HEAD config; read index + tags (duplicates); POST + PUT layer; PUT by ref tag; read, write, read
    assert.equal(second.length, 13, second.join('\n'));
    const index = await readReferrersIndex(store, fresh);
    assert.equal(index.index.manifests.length, 2);
  });
});
