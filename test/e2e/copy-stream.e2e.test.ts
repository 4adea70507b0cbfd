import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { copyGraph, EMPTY_BYTES, EMPTY_DESCRIPTOR, encodeJson, listReferrers, MemoryStore, OCI_MANIFEST, OciLayoutStore, referrerTag, type Store } from '../../src/oci/index.js';
import { RegistryClient, RegistryStore } from '../../src/oci/remote/index.js';
import type { Digest } from '../../src/digest/index.js';
import type { Descriptor } from '../../src/schema/index.js';
import { checkLayoutDir } from '../helpers/layout-check.js';
import { useRegistry } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

// copy moves a blob as a stream from the source straight into the destination: one HEAD, a
// streaming PATCH (or one PUT for a small blob), one SHA-256 pass, done by the destination's
// push (issue 19, mirroring). Against the real registry: a source whose bytes are not the blob
// they claim is refused and nothing of it is committed; each referrer goes up once.

const registry = useRegistry();
const tmp = tmpDir('cairn-copy-stream-');

const LAYER = 'application/vnd.oci.image.layer.v1.tar';
const blob = (bytes: Buffer): { desc: Descriptor; bytes: Buffer } => ({ desc: { mediaType: LAYER, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length }, bytes });

interface Source {
  store: MemoryStore;
  image: Descriptor;
  big: { desc: Descriptor; bytes: Buffer };
  small: { desc: Descriptor; bytes: Buffer };
  referrers: Descriptor[];
}

// An image with a 3 MiB layer (streamed through a PATCH) and a 100 KiB one (one PUT), and two referrers.
async function source(): Promise<Source> {
  const store = new MemoryStore();
  const big = blob(randomBytes(3 * 1024 * 1024));
  const small = blob(randomBytes(100 * 1024));
  await store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES);
  for (const b of [big, small]) await store.push(b.desc, b.bytes);
  const m = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, config: EMPTY_DESCRIPTOR, layers: [big.desc, small.desc] });
  await store.push(m.desc, m.bytes);
  const referrers: Descriptor[] = [];
  for (let i = 0; i < 2; i++) {
    const note = blob(Buffer.from(`note ${i} ${randomBytes(8).toString('hex')}`));
    await store.push(note.desc, note.bytes);
    const r = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.test.note', config: EMPTY_DESCRIPTOR, layers: [note.desc], subject: m.desc });
    await store.push(r.desc, r.bytes);
    referrers.push(r.desc);
  }
  return { store, image: m.desc, big, small, referrers };
}

function registryStore(repo: string, log: string[] = []): RegistryStore {
  return new RegistryStore(new RegistryClient(registry().host, { onDebug: (line) => log.push(line) }), repo);
}

const flipped = (bytes: Buffer): Buffer => {
  const out = Buffer.from(bytes);
  out[out.length >> 1] = (out[out.length >> 1] as number) ^ 0xff;
  return out;
};

async function refusedAt(dst: Store, src: Source): Promise<void> {
  await assert.rejects(copyGraph(src.store, dst, src.image, { referrers: true }), (e: Error & { code?: string }) => e.code === 'DIGEST_MISMATCH');
}

describe('copy streams blobs straight through, checked on the way', () => {
  it('to a registry: each referrer is pushed once (by its tag), each blob HEADed once', async () => {
    const src = await source();
    const log: string[] = [];
    const dst = registryStore('stream/once', log);
    try {
      const result = await copyGraph(src.store, dst, src.image, { referrers: true });
      assert.equal(result.referrers, 2);
      for (const r of src.referrers) {
        const puts = log.filter((l) => l.startsWith('PUT ') && l.includes('/manifests/') && (l.includes(r.digest) || l.includes(referrerTag(src.image.digest as Digest, r.digest as Digest))));
        assert.equal(puts.length, 1, `one PUT for referrer ${r.digest}: ${puts.join(', ')}`);
      }
      for (const b of [src.big, src.small]) {
        assert.equal(log.filter((l) => l.startsWith('HEAD ') && l.endsWith(`/blobs/${b.desc.digest}`)).length, 1, `one HEAD for ${b.desc.digest}`);
      }
      // the big layer went up in one streaming PATCH, the small one in one PUT
      assert.equal(log.filter((l) => l.startsWith('PATCH ')).length, 1);
      const found = await listReferrers(dst, src.image);
      assert.deepEqual(found.map((d) => d.digest).sort(), src.referrers.map((d) => d.digest).sort());
      const back: Buffer[] = [];
      for await (const c of await dst.fetch(src.big.desc)) back.push(c as Buffer);
      assert.ok(Buffer.concat(back).equals(src.big.bytes));
    } finally {
      await dst.close();
    }
  });

  for (const which of ['big', 'small'] as const) {
    it(`to a registry: a ${which} source blob whose bytes do not match its digest is refused, nothing committed`, async () => {
      const src = await source();
      src.store.corrupt(src[which].desc.digest, flipped(src[which].bytes));
      const dst = registryStore(`stream/wrong-${which}`);
      try {
        await refusedAt(dst, src);
        assert.equal(await dst.exists(src[which].desc), false, 'the wrong blob is not at the destination');
        assert.equal(await dst.exists(src.image), false, 'nor the manifest that names it');
      } finally {
        await dst.close();
      }
    });

    it(`to an oci: dir: a ${which} source blob whose bytes do not match is refused, no file left behind`, async () => {
      const src = await source();
      src.store.corrupt(src[which].desc.digest, flipped(src[which].bytes));
      const dir = join(tmp, `wrong-${which}`);
      const dst = OciLayoutStore.open(dir, { create: true });
      await refusedAt(dst, src);
      assert.equal(existsSync(join(dir, 'blobs/sha256', src[which].desc.digest.slice(7))), false);
      assert.equal(await dst.exists(src.image), false);
      const ingest = join(dir, 'ingest');
      assert.deepEqual(existsSync(ingest) ? readdirSync(ingest) : [], [], 'no temp file left');
      assert.deepEqual(checkLayoutDir(dir).problems, []);
    });
  }
});
