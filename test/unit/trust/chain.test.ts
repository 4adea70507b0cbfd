import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey, type PrivateKey } from '../../../src/crypto/index.js';
import { digestOf } from '../../../src/digest/index.js';
import {
  expiryIn, isRevoked, makeRoot, nextRoot, signRoot, walkTrustChain, cosignRoot,
  type StoredRoot, type TrustChainSource, type TrustRoot,
} from '../../../src/trust/index.js';
import { assertCairnError, assertCairnErrorSync } from '../../helpers/assert.js';

const FUTURE = expiryIn(365);

async function store(root: TrustRoot, signers: PrivateKey[]): Promise<StoredRoot> {
  const envelope = await signRoot(root, signers);
  return { envelope, digest: digestOf(JSON.stringify(envelope)) };
}

function source(versions: Map<number, StoredRoot>): TrustChainSource {
  return {
    fetchVersion: async (v) => versions.get(v),
    listVersions: async () => [...versions.keys()],
  };
}

describe('trust root chain', async () => {
  const [a, b, c, d] = ['ed25519', 'ecdsa-p256', 'ed25519', 'ed25519'].map((t) => generateKey(t as 'ed25519'));
  const v1 = makeRoot(1, { keys: [a!.publicKey], threshold: 1, expires: FUTURE });
  const s1 = await store(v1, [a!]);
  const first = { root: v1, keys: [a!.publicKey], digest: s1.digest };
  // v2: b joins, a stays; signed by a (old) and a+b (new, threshold 1)
  const v2 = nextRoot(first, { addKeys: [b!.publicKey], expires: FUTURE });
  const s2 = await store(v2, [a!]);
  // v3: a leaves (rotated out), c joins; threshold 2 of {b, c}; signed by b (old owners: a or b, threshold 1) and c
  const v3 = nextRoot({ root: v2, keys: [a!.publicKey, b!.publicKey], digest: s2.digest }, { removeKeys: [a!.publicKey], addKeys: [c!.publicKey], threshold: 2, revoke: [d!.publicKey.keyId], expires: FUTURE });
  const s3 = await store(v3, [b!, c!]);

  it('walks from the pinned version to the newest', async () => {
    const r = await walkTrustChain(s1, source(new Map([[2, s2], [3, s3]])));
    assert.equal(r.root.version, 3);
    assert.deepEqual(r.chain.map((x) => x.version), [1, 2, 3]);
    assert.deepEqual(new Set(r.keys.map((k) => k.fingerprint)), new Set([b!.publicKey.fingerprint, c!.publicKey.fingerprint]));
    assert.equal(r.root.threshold, 2);
    assert.ok(isRevoked(r.root, d!.publicKey.keyIds));
    assert.ok(!isRevoked(r.root, b!.publicKey.keyIds));
  });

  it('refuses a version signed by too few of the previous owners', async () => {
    const forged = await store(v3, [c!]); // c alone: not an owner of v2
    await assertCairnError(() => walkTrustChain(s1, source(new Map([[2, s2], [3, forged]]))), 'TRUST_ROOT_INVALID', /version 3 is signed by 0 owners of version 2, needs 1/);
  });

  it('refuses a version signed by too few of its own owners', async () => {
    const half = await store(v3, [b!]); // b is an old owner, but v3 needs 2 of {b, c}
    await assertCairnError(() => walkTrustChain(s1, source(new Map([[2, s2], [3, half]]))), 'TRUST_ROOT_INVALID', /version 3 is signed by 1 of its own owners, needs 2/);
  });

  it('detects a rollback to an older chain', async () => {
    await assertCairnError(() => walkTrustChain(s1, source(new Map([[2, s2]])), { state: { version: 3, digest: s3.digest } }), 'TRUST_ROOT_INVALID', /rollback: the newest version served is 2, but version 3 was trusted before/);
  });

  it('detects a different document for a version trusted before', async () => {
    await assertCairnError(() => walkTrustChain(s1, source(new Map([[2, s2], [3, s3]])), { state: { version: 2, digest: digestOf('other') } }), 'TRUST_ROOT_INVALID', /version 2 differs/);
  });

  it('detects a gap in versions', async () => {
    await assertCairnError(() => walkTrustChain(s1, source(new Map([[3, s3]]))), 'TRUST_ROOT_INVALID', /gap in versions: root\.3 exists but root\.2 does not/);
  });

  it('refuses a root stored under the wrong version tag', async () => {
    const v2as3 = await store({ ...v2 }, [a!]);
    await assertCairnError(() => walkTrustChain(s1, source(new Map([[2, s2], [3, v2as3]]))), 'TRUST_ROOT_INVALID', /root\.3 holds version 2/);
  });

  it('refuses an expired newest version, but not an expired intermediate one', async () => {
    const old2 = { ...v2, expires: '2020-01-01T00:00:00Z' };
    const sOld2 = await store(old2, [a!]);
    await assertCairnError(() => walkTrustChain(s1, source(new Map([[2, sOld2]]))), 'TRUST_ROOT_INVALID', /newest version \(2\) expired on 2020-01-01T00:00:00Z/);
    const r = await walkTrustChain(s1, source(new Map([[2, sOld2], [3, s3]])));
    assert.equal(r.root.version, 3);
  });

  it('refuses a pinned version its owners did not sign', async () => {
    const bad = await store(v1, [b!]);
    await assertCairnError(() => walkTrustChain(bad, source(new Map())), 'TRUST_ROOT_INVALID', /pinned/);
  });

  it('lets a second owner co-sign', async () => {
    const both = makeRoot(1, { keys: [a!.publicKey, b!.publicKey], threshold: 2, expires: FUTURE });
    const one = await signRoot(both, [a!]);
    await assertCairnError(() => walkTrustChain({ envelope: one, digest: digestOf('x') }, source(new Map())), 'TRUST_ROOT_INVALID', /signed by 1 of its owners, needs 2/);
    const two = await cosignRoot(one, [b!]);
    assert.equal((await walkTrustChain({ envelope: two, digest: digestOf('y') }, source(new Map()))).root.version, 1);
  });

  it('refuses impossible roots when building them', () => {
    assertCairnErrorSync(() => makeRoot(1, { keys: [a!.publicKey], threshold: 2, expires: FUTURE }), 'INVALID_ARGUMENT', /threshold 2/);
    assertCairnErrorSync(() => makeRoot(1, { keys: [a!.publicKey], threshold: 1, expires: FUTURE, revoked: [a!.publicKey.keyId] }), 'INVALID_ARGUMENT', /also revoked/);
  });
});
