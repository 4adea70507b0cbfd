import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import {
  addReferrer,
  EMPTY_BYTES,
  EMPTY_DESCRIPTOR,
  encodeJson,
  MemoryStore,
  OCI_MANIFEST,
  readReferrersIndex,
  referrersTag,
  referrerTag,
  writeReferrersIndex,
  type AddReferrerOptions,
  type Store,
} from '../../../src/oci/index.js';
import type { Descriptor } from '../../../src/schema/index.js';
import { buildImage, pushImage } from '../../helpers/image.js';

// Writers of one sha256-<hex> index in separate "processes" (each its own view of one shared
// store, so the in-process queue does not order them), with a writer's index write held back
// until the others are done: the interleavings a registry that ignores If-Match allows. Each
// view records what it asked the store, so the tests check the requests, not the time.

type Sha = `sha256:${string}`;

class Writer implements Store {
  readonly ops: string[] = [];
  private hold: Promise<void> | undefined;
  private reached: (() => void) | undefined;

  constructor(private readonly shared: MemoryStore, readonly location: string, private readonly subject: Descriptor) {}

  /** Holds this writer's next index write; resolves when it is waiting there. Call the result's release. */
  holdIndexWrite(): { waiting: Promise<void>; release: () => void } {
    let release = (): void => undefined;
    this.hold = new Promise((r) => (release = r));
    const waiting = new Promise<void>((r) => (this.reached = r));
    return { waiting, release };
  }

  private kind(ref: string): string {
    if (ref === referrersTag(this.subject.digest as Sha)) return 'index';
    return ref.endsWith('.ref') ? 'ref-tag' : ref;
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    return this.shared.fetch(desc);
  }
  async exists(desc: Descriptor): Promise<boolean> {
    return this.shared.exists(desc);
  }
  async resolve(ref: string): Promise<Descriptor> {
    this.ops.push(`read ${this.kind(ref)}`);
    return this.shared.resolve(ref);
  }
  async push(desc: Descriptor, content: Readable | Uint8Array): Promise<void> {
    return this.shared.push(desc, content);
  }
  async tag(desc: Descriptor, tag: string): Promise<void> {
    if (this.kind(tag) === 'index' && this.hold) {
      const hold = this.hold;
      this.hold = undefined;
      this.reached?.();
      await hold;
    }
    this.ops.push(`write ${this.kind(tag)}`);
    return this.shared.tag(desc, tag);
  }
  async tags(): Promise<string[]> {
    this.ops.push('list tags');
    return this.shared.tags();
  }
  async referrers(): Promise<Descriptor[] | null> {
    return null;
  }
}

async function setup(name: string) {
  const shared = new MemoryStore({ referrers: false });
  const subject = await pushImage(shared, await buildImage(name), 'v1');
  await shared.push(EMPTY_DESCRIPTOR, EMPTY_BYTES);
  let n = 0;
  const make = async (about = subject): Promise<Descriptor> => {
    const m = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.test', config: EMPTY_DESCRIPTOR, layers: [EMPTY_DESCRIPTOR], subject: about, annotations: { n: String(n++) } });
    await shared.push(m.desc, m.bytes);
    return { ...m.desc, artifactType: 'application/vnd.test', annotations: { n: String(n - 1) } };
  };
  const writer = (name: string) => new Writer(shared, `process-${name}`, subject);
  const indexed = async () => (await readReferrersIndex(shared, subject)).index.manifests.map((d) => d.digest).sort();
  return { shared, subject, make, writer, indexed };
}

// Fails the test if a writer pauses: the pause before a repair write is a minute long here.
const NO_PAUSE: AddReferrerOptions = { settleMs: 60_000 };

describe('tag-schema writers racing for one index', () => {
  it('a writer alone reads once before and once after its write, and never waits', async () => {
    const { make, writer, indexed, subject } = await setup('alone');
    const r = await make();
    const w = writer('x');
    await addReferrer(w, subject, r, NO_PAUSE);
    assert.deepEqual(w.ops, ['write ref-tag', 'read index', 'list tags', 'write index', 'read index', 'list tags']);
    assert.deepEqual(await indexed(), [r.digest]);
  });

  it('a stale write that lands last is repaired by its own writer, from the tags', async () => {
    const { make, writer, indexed, subject } = await setup('stale');
    const [ry, rx] = [await make(), await make()];
    const y = writer('y');
    const x = writer('x');
    const held = y.holdIndexWrite();
    const slow = addReferrer(y, subject, ry, { settleMs: 1 });
    await held.waiting; // y read an empty index and only its own tag, and is about to write {y}
    await addReferrer(x, subject, rx, NO_PAUSE);
    assert.deepEqual(await indexed(), [rx.digest, ry.digest].sort());
    held.release();
    await slow;
    assert.deepEqual(await indexed(), [rx.digest, ry.digest].sort());
    assert.equal(y.ops.filter((o) => o === 'write index').length, 2, 'y wrote {y} over x, saw x tagged but missing, and wrote again');
    assert.equal(x.ops.filter((o) => o === 'write index').length, 1);
  });

  it('without the read after the write the same interleaving loses an entry (what the check guards)', async () => {
    const { make, writer, indexed, subject } = await setup('unchecked');
    const [ry, rx] = [await make(), await make()];
    const y = writer('y');
    const held = y.holdIndexWrite();
    const slow = addReferrer(y, subject, ry, { check: false });
    await held.waiting;
    await addReferrer(writer('x'), subject, rx, NO_PAUSE);
    held.release();
    await slow;
    assert.deepEqual(await indexed(), [ry.digest]);
  });

  it('three writers: an entry merged by a third writer hides the stale one from the others, and the stale writer still repairs', async () => {
    const { make, writer, indexed, subject } = await setup('three');
    const [ry, rz, rx] = [await make(), await make(), await make()];
    const y = writer('y');
    const held = y.holdIndexWrite();
    const slow = addReferrer(y, subject, ry, { settleMs: 1 });
    await held.waiting;
    await addReferrer(writer('z'), subject, rz, NO_PAUSE); // writes {z, y}: y's entry is in before y wrote
    const x = writer('x');
    await addReferrer(x, subject, rx, NO_PAUSE); // sees no tagged referrer missing from the index: nothing looks in flight
    assert.deepEqual(x.ops, ['write ref-tag', 'read index', 'list tags', 'write index', 'read index', 'list tags']);
    held.release();
    await slow;
    assert.deepEqual(await indexed(), [rx.digest, ry.digest, rz.digest].sort());
  });

  it('a writer that died after tagging is merged once; later writers neither wait nor write twice', async () => {
    const { shared, make, writer, indexed, subject } = await setup('died');
    const dead = await make();
    await shared.tag(dead, referrerTag(subject.digest as Sha, dead.digest as Sha)); // tagged, then the process died
    const other = await pushImage(shared, await buildImage('elsewhere'), 'v2');
    const stray = await make(other); // a .ref tag naming a referrer of another subject: never an entry
    await shared.tag(stray, referrerTag(subject.digest as Sha, stray.digest as Sha));
    const [ra, rb] = [await make(), await make()];
    const a = writer('a');
    await addReferrer(a, subject, ra, NO_PAUSE);
    assert.deepEqual(a.ops.filter((o) => o === 'write index' || o === 'read ref-tag').length, 3, 'two tags read once, one write');
    assert.deepEqual(await indexed(), [dead.digest, ra.digest].sort());
    const b = writer('b');
    await addReferrer(b, subject, rb, NO_PAUSE);
    assert.equal(b.ops.filter((o) => o === 'write index').length, 1);
    assert.equal(b.ops.filter((o) => o === 'read ref-tag').length, 1, 'only the stray tag, once');
    assert.deepEqual(await indexed(), [dead.digest, ra.digest, rb.digest].sort());
  });

  it('a writer keeps repairing for as long as stale writes keep landing over its own (no count of writes to run out of)', async () => {
    const { shared, make, writer, indexed, subject } = await setup('clobbered');
    const [ry, rx] = [await make(), await make()];
    await shared.tag(ry, referrerTag(subject.digest as Sha, ry.digest as Sha));
    const stale = await writeReferrersIndex(shared, subject, [ry]); // what slow writers who read early keep writing
    const x = writer('x');
    let clobbers = 15; // more than the 10 writes a writer once gave up after (CI, 50 writers on a slow machine)
    const write = x.tag.bind(x);
    x.tag = async (desc, tag) => {
      await write(desc, tag);
      if (tag === referrersTag(subject.digest as Sha) && clobbers-- > 0) await shared.tag(stale, tag);
    };
    await addReferrer(x, subject, rx, { settleMs: 0.1 });
    assert.equal(x.ops.filter((o) => o === 'write index').length, 16);
    assert.deepEqual(await indexed(), [rx.digest, ry.digest].sort());
  });

  it('past its time budget, a writer whose own entry is still overwritten fails and asks for a repair', async () => {
    const { shared, make, writer, subject } = await setup('budget');
    const [ry, rx] = [await make(), await make()];
    await shared.tag(ry, referrerTag(subject.digest as Sha, ry.digest as Sha));
    const stale = await writeReferrersIndex(shared, subject, [ry]);
    const x = writer('x');
    const write = x.tag.bind(x);
    x.tag = async (desc, tag) => {
      await write(desc, tag);
      if (tag === referrersTag(subject.digest as Sha)) await shared.tag(stale, tag); // forever
    };
    // the library says what to do (reason); the CLI names the flag (src/cli/hints.ts: cairn discover --repair)
    await assert.rejects(addReferrer(x, subject, rx, { settleMs: 0.1, budgetMs: 30 }), (e: Error & { code?: string; details?: Record<string, unknown> }) => e.code === 'REGISTRY_ERROR' && /repair the index/.test(e.message) && e.details?.['reason'] === 'referrers-index-contended' && e.details?.['subject'] === subject.digest);
  });

  it('adding a referrer the index already lists writes nothing', async () => {
    const { make, writer, subject } = await setup('again');
    const r = await make();
    await addReferrer(writer('a'), subject, r, NO_PAUSE);
    const again = writer('b');
    await addReferrer(again, subject, r, NO_PAUSE);
    assert.deepEqual(again.ops, ['write ref-tag', 'read index', 'list tags']);
  });
});
