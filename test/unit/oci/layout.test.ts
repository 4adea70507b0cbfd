import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { digestOf } from '../../../src/digest/index.js';
import { OciLayoutStore } from '../../../src/oci/index.js';
import { readInstance, takeOver, withLockFile } from '../../../src/oci/layout/lock.js';
import { assertCairnError } from '../../helpers/assert.js';
import { buildImage, pushImage } from '../../helpers/image.js';

// The OCI layout store beyond the contract: the files it writes, concurrent index.json updates,
// stale locks, and no half-written blob after a failed push.

const dirOf = () => join(mkdtempSync(join(tmpdir(), 'cairn-layout-')), 'l');

describe('OciLayoutStore', () => {
  it('writes an image layout other tools read', async () => {
    const dir = dirOf();
    const store = OciLayoutStore.open(dir, { create: true });
    const m = await pushImage(store, await buildImage('files'), 'v1');
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    assert.equal(index.manifests[0].digest, m.digest);
    assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], 'v1');
    assert.ok(existsSync(join(dir, 'blobs/sha256', m.digest.slice(7))));
  });

  it('keeps every tag when many are written at once', async () => {
    const store = OciLayoutStore.open(dirOf(), { create: true });
    const m = await pushImage(store, await buildImage('tags'));
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.tag(m, `t${i}`)));
    assert.equal((await store.tags()).length, 40);
  });

  it('refuses a directory that is not a layout, unless asked to create one', async () => {
    await assertCairnError(async () => OciLayoutStore.open(dirOf()), 'NOT_FOUND', /not an OCI image layout/);
  });

  it('leaves no blob and no temp file behind when the content is wrong', async () => {
    const dir = dirOf();
    const store = OciLayoutStore.open(dir, { create: true });
    const data = Buffer.from('x'.repeat(100));
    const desc = { mediaType: 'application/octet-stream', digest: digestOf('y'.repeat(100)), size: 100 };
    await assertCairnError(() => store.push(desc, Readable.from([data])), 'DIGEST_MISMATCH');
    assert.deepEqual(readdirSync(join(dir, 'blobs/sha256')), []);
    assert.deepEqual(readdirSync(join(dir, 'ingest')), []);
  });

  it('takes over a lock left by a process that is gone', async () => {
    const lock = join(mkdtempSync(join(tmpdir(), 'cairn-lock-')), 'index.json.lock');
    writeFileSync(lock, `999999999 ${(await import('node:os')).hostname()} ${Date.now()}\n`);
    let ran = false;
    await withLockFile(lock, async () => {
      ran = true;
    }, { timeoutMs: 2000 });
    assert.ok(ran);
    assert.equal(existsSync(lock), false);
  });

  it('waits for a live lock and gives up with IO_ERROR', async () => {
    const lock = join(mkdtempSync(join(tmpdir(), 'cairn-lock-')), 'index.json.lock');
    writeFileSync(lock, `${process.pid} ${(await import('node:os')).hostname()} ${Date.now()}\n`);
    await assertCairnError(() => withLockFile(lock, async () => undefined, { timeoutMs: 100 }), 'IO_ERROR', /lock held/);
  });

  // A writer killed between creating its lock and writing its pid (older versions, or a file
  // system without hard links) leaves an empty lock: a fresh one is respected, an old one broken.
  it('respects a fresh empty lock and breaks an old one', async () => {
    const { utimesSync, readdirSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'cairn-lock-'));
    const lock = join(dir, 'index.json.lock');
    writeFileSync(lock, '');
    await assertCairnError(() => withLockFile(lock, async () => undefined, { timeoutMs: 100 }), 'IO_ERROR', /lock held/);
    const old = (Date.now() - 5000) / 1000;
    utimesSync(lock, old, old);
    let ran = false;
    await withLockFile(lock, async () => {
      ran = true;
      assert.match(readFileSync(lock, 'utf8'), new RegExp(`^${process.pid} `), 'the lock names its owner as soon as it exists');
    }, { timeoutMs: 2000 });
    assert.ok(ran);
    assert.deepEqual(readdirSync(dir), [], 'no lock and no private lock file left behind');
  });

  // Issue 13 §5: two waiters judged the same dead lock stale; the first took it over, and the
  // second then removed the lock the first had just taken (both wrote index.json at once). A
  // waiter acting late on what it saw must leave another writer's lock alone.
  it('a waiter that judged a dead lock stale never removes the lock another writer took since', async () => {
    const { hostname } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'cairn-lock-'));
    const lock = join(dir, 'index.json.lock');
    writeFileSync(lock, `999999999 ${hostname()} - 0123456789abcdef\n`);
    const seenByLateWaiter = readInstance(lock)!;
    await withLockFile(lock, async () => {
      const mine = readFileSync(lock, 'utf8');
      assert.match(mine, new RegExp(`^${process.pid} `));
      takeOver(lock, seenByLateWaiter); // the late waiter acts on the dead lock it saw
      assert.equal(readFileSync(lock, 'utf8'), mine, 'the lock taken over is still in place');
    }, { timeoutMs: 2000 });
    assert.equal(existsSync(lock), false);
    // and a claim left by a claimer that died is passed over
    writeFileSync(lock, `999999999 ${hostname()} - fedcba9876543210\n`);
    const dead = readInstance(lock)!;
    const { createHash } = await import('node:crypto');
    const id = createHash('sha256').update(`${dead.ino} ${dead.text}`).digest('hex').slice(0, 16);
    writeFileSync(`${lock}.break-${id}-1`, `999999998 ${hostname()} - 00\n`);
    takeOver(lock, dead);
    assert.equal(existsSync(lock), false, 'the dead lock is removed through the next claim level');
    const { readdirSync } = await import('node:fs');
    assert.deepEqual(readdirSync(dir), [], 'claims removed once the lock is gone');
  });
});
