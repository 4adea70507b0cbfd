// Moved from test/unit/policy/examine-pool.test.ts (issue 14: policy/ split into verify/, image-verify/, author/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serializeDocument, type SignedDocument } from '../../../src/intoto/index.js';
import type { EvidenceItem } from '../../../src/evidence/index.js';
import { ExaminePool } from '../../../src/verify/examine-pool.js';
import { examineItem, type Examined } from '../../../src/verify/examine.js';
import { tmpDir } from '../../helpers/tmp.js';
import { arts, key, layoutBody, link, signLayoutBody, statement } from './fixtures.js';

// The pool hands files to worker threads (every file here: minBytes 0) and must come back with
// exactly what examining them on this thread gives: the same signers, bodies and messages, in
// the same order, and the same errors.

const alice = key('alice');
const mallory = key('mallory');

function file(dir: string, name: string, doc: SignedDocument | string): EvidenceItem {
  const path = join(dir, name);
  writeFileSync(path, typeof doc === 'string' ? doc : serializeDocument(doc));
  return { origin: { store: 'directory', path }, unopened: { path, bundle: name.endsWith('.jsonl'), size: statSync(path).size } };
}

// What judging looks at, as plain data.
function seen(list: Examined[]): unknown[] {
  return list.map((e) => {
    let body: unknown;
    if (e.unreadable === undefined && e.signers.length > 0) {
      try {
        const b = e.body();
        body = b.kind === 'link' ? { ...b, materials: [...b.materials], products: [...b.products] } : b.kind;
      } catch (err) {
        body = `error: ${(err as Error).message}`;
      }
    }
    return { origin: e.origin, unreadable: e.unreadable, signers: e.signers, payloadType: e.payloadType, body, document: e.document !== undefined };
  });
}

describe('ExaminePool', () => {
  it('gives what examining on this thread gives, for links, bundles, bad files, sublayouts and Statements', async () => {
    const dir = tmpDir();
    const m = arts({ a: 'a', b: 'b' });
    const p = { ...arts({ c: 'c' }), d: { sha256: '1'.repeat(64), sha512: '2'.repeat(128) } };
    const dsse = await link('build', alice, m, p, 'dsse', ['make']);
    const items: EvidenceItem[] = [
      file(dir, 'legacy.link', await link('build', alice, m, p)),
      file(dir, 'dsse.link', dsse),
      file(dir, 'two.intoto.jsonl', `junk\n${serializeDocument(dsse)}${serializeDocument(await link('build', mallory, m, p, 'dsse'))}`),
      file(dir, 'other-key.link', await link('build', mallory, m, p)),
      file(dir, 'broken.link', '{ not json'),
      file(dir, 'empty.intoto.jsonl', 'junk\n'),
      file(dir, 'sublayout.link', await signLayoutBody(layoutBody([{ name: 'x', keys: [alice.publicKey] }]), [alice])),
      file(dir, 'statement.link', await statement('https://slsa.dev/provenance/v1', arts({ img: 'i' }), alice)),
      { origin: { store: 'directory', path: join(dir, 'gone.link') }, unopened: { path: join(dir, 'gone.link'), bundle: false, size: 0 } },
    ];
    const keys = [alice.publicKey];
    const pool = new ExaminePool(2, 0, false);
    try {
      const pooled = await Promise.all(items.map((i) => pool.examine(i, keys)));
      const here = items.map((i) => examineItem(i, keys));
      assert.deepEqual(pooled.map(seen), here.map(seen).map((list, i) => (list as { document: boolean }[]).map((e) => ({ ...e, document: pooled[i]!.some((x) => x.document) && e.document }))));
      const names = pooled.map((l) => l.length);
      assert.deepEqual(names, [1, 1, 2, 1, 1, 1, 1, 1, 0]);
      assert.equal(pooled[0]![0]!.document, undefined, 'a link examined on a worker comes back without its document');
      assert.ok(pooled[6]![0]!.document, 'a sublayout is examined here, with its document');
      assert.ok(pooled[7]![0]!.document, 'a Statement of another predicate is examined here');
    } finally {
      pool.close();
    }
  });

  // Issue 19: links too big to go two at a time go one after the other, to a worker.
  it('with a budget smaller than every file, examines each alone on a worker, the same as here; a failure lets the next through', async () => {
    const dir = tmpDir();
    const loop = join(dir, 'loop.link');
    symlinkSync('loop.link', loop);
    const items: EvidenceItem[] = [
      file(dir, 'a.link', await link('build', alice, arts({ src: 's' }), arts({ out: 'o' }))),
      { origin: { store: 'directory', path: loop }, unopened: { path: loop, bundle: false, size: 10 } },
      file(dir, 'b.link', await link('build', alice, arts({ out: 'o' }), arts({ bin: 'b' }), 'dsse')),
      file(dir, 'c.link', await link('build', mallory, {}, {})),
    ];
    const keys = [alice.publicKey];
    const pool = new ExaminePool(1, 0, true, 1);
    try {
      const pooled = await Promise.allSettled(items.map((i) => pool.examine(i, keys)));
      assert.equal(pooled[1]!.status, 'rejected', 'the unreadable file fails, as here');
      const ok = pooled.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<Examined[]>).value);
      const here = [items[0]!, items[2]!, items[3]!].map((i) => examineItem(i, keys));
      assert.deepEqual(ok.map(seen), here.map(seen).map((list) => (list as { document: boolean }[]).map((e) => ({ ...e, document: false }))));
      assert.ok(ok.every((l) => l[0]!.document === undefined), 'each was examined on the worker, not here');
    } finally {
      pool.close();
    }
  });

  it('fails when a file cannot be read, as this thread does, and leaves small files to this thread', async () => {
    const dir = tmpDir();
    const path = join(dir, 'loop.link');
    symlinkSync('loop.link', path);
    const pool = new ExaminePool(1, 0, false);
    try {
      const item: EvidenceItem = { origin: { store: 'directory', path }, unopened: { path, bundle: false, size: 1 } };
      assert.throws(() => examineItem(item, [alice.publicKey]));
      await assert.rejects(pool.examine(item, [alice.publicKey]));
      const small = new ExaminePool(1, 1 << 20, false);
      const [e] = await small.examine(file(dir, 'a.link', await link('build', alice, {}, {})), [alice.publicKey]);
      assert.ok(e!.document, 'examined on this thread');
      small.close();
    } finally {
      pool.close();
    }
  });
});
