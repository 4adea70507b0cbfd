import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey } from '../../../src/crypto/index.js';
import { MemoryStore, encodeJson, OCI_MANIFEST, EMPTY_DESCRIPTOR, EMPTY_BYTES } from '../../../src/oci/index.js';
import { findSummary, publishSummary, type PreparedPolicy } from '../../../src/gate/index.js';
import type { Descriptor } from '../../../src/schema/index.js';

// A verification summary (VSA) lets a gate skip verification, so it must count only when it is
// signed by a trusted summary key and bound to this image, this layout, this trust anchor and
// this whole policy, and is recent. Each binding is tested by changing it alone.

const HOUR = 3600_000;

function prepared(over: { layout?: string; anchor?: string; digest?: string } = {}): PreparedPolicy {
  return {
    policy: { name: 'prod', layout: 'x', signers: { kind: 'keys', keys: [] }, requireDigest: true },
    layout: { document: { format: 'dsse', envelope: { payload: '', payloadType: 'x', signatures: [] } }, digest: over.layout ?? `sha256:${'1'.repeat(64)}`, origin: 'reg/policy' },
    anchor: { keys: [], digest: over.anchor ?? `sha256:${'2'.repeat(64)}` },
    digest: over.digest ?? `sha256:${'3'.repeat(64)}`,
  };
}

async function image(store: MemoryStore, seed: string): Promise<Descriptor> {
  await store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES);
  const m = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, config: EMPTY_DESCRIPTOR, layers: [], annotations: { seed } });
  await store.push(m.desc, m.bytes);
  return m.desc;
}

describe('verification summaries shared through the registry', async () => {
  const key = generateKey('ed25519');
  const stranger = generateKey('ed25519');
  const now = new Date('2026-12-01T12:00:00Z');
  const trust = { keys: [key.publicKey], maxAgeMs: 24 * HOUR };

  it('counts a summary bound to the same image, layout, trust anchor and policy', async () => {
    const store = new MemoryStore();
    const subject = await image(store, 'a');
    const d = await publishSummary(store, subject, 'reg/app', prepared(), [], key, '0.1.0', now);
    assert.equal(await findSummary(store, subject, prepared(), trust, now), d);
  });

  for (const [what, other] of [
    ['another layout digest', prepared({ layout: `sha256:${'9'.repeat(64)}` })],
    ['another trust anchor (a rotated trust root)', prepared({ anchor: `sha256:${'9'.repeat(64)}` })],
    ['another policy digest (platform, parameters)', prepared({ digest: `sha256:${'9'.repeat(64)}` })],
  ] as const) {
    it(`ignores a summary made for ${what}`, async () => {
      const store = new MemoryStore();
      const subject = await image(store, 'b');
      await publishSummary(store, subject, 'reg/app', prepared(), [], key, '0.1.0', now);
      assert.equal(await findSummary(store, subject, other, trust, now), undefined);
    });
  }

  it('ignores a summary signed by a key it does not trust, one too old, and one from the future', async () => {
    const store = new MemoryStore();
    const subject = await image(store, 'c');
    await publishSummary(store, subject, 'reg/app', prepared(), [], stranger, '0.1.0', now);
    assert.equal(await findSummary(store, subject, prepared(), trust, now), undefined);
    const s2 = new MemoryStore();
    const subject2 = await image(s2, 'c');
    await publishSummary(s2, subject2, 'reg/app', prepared(), [], key, '0.1.0', new Date(now.getTime() - 25 * HOUR));
    assert.equal(await findSummary(s2, subject2, prepared(), trust, now), undefined);
    const s3 = new MemoryStore();
    const subject3 = await image(s3, 'c');
    await publishSummary(s3, subject3, 'reg/app', prepared(), [], key, '0.1.0', new Date(now.getTime() + HOUR));
    assert.equal(await findSummary(s3, subject3, prepared(), trust, now), undefined);
  });

  it('a summary of one image is no summary of another', async () => {
    const store = new MemoryStore();
    const a = await image(store, 'd1');
    const b = await image(store, 'd2');
    await publishSummary(store, a, 'reg/app', prepared(), [], key, '0.1.0', now);
    assert.equal(await findSummary(store, b, prepared(), trust, now), undefined);
  });
});
