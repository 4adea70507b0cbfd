import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey, keyDict, type PrivateKey } from '../../../src/crypto/index.js';
import { makeStatement, signMetablock, signStatement, type SignedDocument } from '../../../src/intoto/index.js';
import { MemoryStore, type Store } from '../../../src/oci/index.js';
import { attach } from '../../../src/attest/index.js';
import { verifyImage } from '../../../src/image-verify/index.js';
import { vouchedBody } from '../../../src/verify/vouch.js';
import { loadSigstoreTrustedRoot, type SigstoreTrustedRoot } from '../../../src/sigstore/index.js';
import type { Descriptor, Platform } from '../../../src/schema/index.js';
import { digestOf } from '../../../src/digest/index.js';
import { buildImage, pushImage } from '../../helpers/image.js';
import { mockSigstore, TEST_IDENTITY, TEST_ISSUER, type MockSigstore } from '../../helpers/sigstore-mock.js';
import { attachSigstoreBundle, buildkitAttestation, buildxIndex, cosignAttest, orasAttach } from '../../helpers/ecosystem.js';

// A BuildKit attestation is a bare, unsigned Statement inside the image index: anyone who can
// push an index can write one. It counts for an ITE-10 step only when an envelope signed by the
// step's functionary vouches for it: a Statement of the same predicate type whose subject names
// the attestation manifest's digest (which pins every layer) or the Statement blob's digest,
// attached to the attestation manifest (`cairn attest` / `cosign attest` / a Sigstore bundle on
// `repo@sha256:<attestation manifest>`). Every way around that must fail.

const SLSA = 'https://slsa.dev/provenance/v0.2';
const SPDX = 'https://spdx.dev/Document';
const owner = generateKey('ed25519');
const builder = generateKey('ecdsa-p256');
const AMD: Platform = { os: 'linux', architecture: 'amd64' };
const ARM: Platform = { os: 'linux', architecture: 'arm64' };

function layout(step: Record<string, unknown> = {}, keys: PrivateKey[] = [builder]): SignedDocument {
  return {
    format: 'legacy',
    metablock: signMetablock({
      _type: 'layout', expires: '2099-01-01T00:00:00Z', readme: '',
      keys: Object.fromEntries(keys.map((k) => [k.publicKey.keyId, keyDict(k.publicKey)])),
      steps: [{ _type: 'step', name: 'build', threshold: 1, pubkeys: keys.map((k) => k.publicKey.keyId), expected_command: [], expected_materials: [], expected_products: [['ALLOW', '*']], expected_predicate_type: SLSA, ...step }],
      inspect: [],
    }, [owner]),
  };
}

// What BuildKit writes: a Statement about the platform manifest, named as a purl.
const buildkitStatement = (about: Descriptor, predicateType = SLSA, builderId = 'https://github.com/moby/buildkit') =>
  Buffer.from(JSON.stringify(makeStatement([{ name: 'pkg:docker/registry.test/app@latest?platform=linux%2Famd64', digest: { sha256: about.digest.slice(7) } }], predicateType, { builder: { id: builderId }, buildType: 'https://mobyproject.org/buildkit@v1' })));

/** A signed Statement naming `names` (the vouch), as DSSE. */
async function vouchDoc(names: string, key: PrivateKey = builder, predicateType = SLSA): Promise<SignedDocument> {
  return signStatement(makeStatement([{ digest: { sha256: names.slice(7) } }], predicateType, {}), [key]);
}

/** cosign writes keyid "" and one layer per attestation on `sha256-<hex>.att`. */
async function cosignVouch(store: Store, on: Descriptor, doc: SignedDocument, predicateType = SLSA): Promise<void> {
  if (doc.format !== 'dsse') throw new Error('dsse');
  await cosignAttest(store, on, [{ envelope: { ...doc.envelope, signatures: doc.envelope.signatures.map((s) => ({ ...s, keyid: '' })) }, predicateType }]);
}

interface Buildx {
  store: Store;
  amd: Descriptor;
  arm: Descriptor;
  /** The attestation manifest about amd, and its Statement layer. */
  att: Descriptor;
  layer: string;
  index: Descriptor;
}

async function buildx(seed: string, store: Store = new MemoryStore({ referrers: false })): Promise<Buildx> {
  const amd = await pushImage(store, await buildImage(seed, AMD));
  const arm = await pushImage(store, await buildImage(seed, ARM));
  const body = buildkitStatement(amd);
  const att = await buildkitAttestation(store, [{ predicateType: SLSA, body }]);
  const index = await buildxIndex(store, [{ image: amd, platform: AMD, attestation: att }, { image: arm, platform: ARM }]);
  return { store, amd, arm, att, layer: digestOf(body), index };
}

async function verdict(b: { store: Store; index: Descriptor }, doc: SignedDocument = layout(), platform = 'linux/amd64', trustedRoot?: SigstoreTrustedRoot): Promise<{ verdict: string; why: string }> {
  const r = await verifyImage({ store: b.store, subject: b.index, layout: doc, layoutKeys: [owner.publicKey], platform, ...(trustedRoot ? { trustedRoot } : {}) });
  return { verdict: r.verdict, why: r.platforms[0]?.report.failure?.message ?? '' };
}

describe('BuildKit attestations count when a signed envelope vouches for them', () => {
  it('counts a Statement vouched for by naming its attestation manifest (cairn attest on the manifest)', async () => {
    const b = await buildx('vouch-manifest', new MemoryStore());
    assert.equal((await verdict(b)).verdict, 'fail', 'unsigned and not vouched for');
    await attach(b.store, b.att, await vouchDoc(b.att.digest));
    const r = await verdict(b);
    assert.equal(r.verdict, 'pass', r.why);
    assert.equal((await verdict(b, layout({}, [generateKey('ed25519')]))).verdict, 'fail', 'the vouch is not by this step\'s functionary');
  });

  it('counts a Statement vouched for by naming its blob (cosign attest on the manifest, .att tag)', async () => {
    const b = await buildx('vouch-blob');
    await cosignVouch(b.store, b.att, await vouchDoc(b.layer));
    const r = await verdict(b);
    assert.equal(r.verdict, 'pass', r.why);
  });

  describe('keyless', () => {
    let mock: MockSigstore;
    let root: SigstoreTrustedRoot;
    before(async () => {
      mock = await mockSigstore();
      root = loadSigstoreTrustedRoot(mock.trustedRoot, 'mock root');
    });
    it('counts a Statement vouched for by a Sigstore bundle whose identity the step names', async () => {
      const b = await buildx('vouch-keyless');
      const vouch = Buffer.from(JSON.stringify(makeStatement([{ digest: { sha256: b.att.digest.slice(7) } }], SLSA, {})));
      await attachSigstoreBundle(b.store, b.att, Buffer.from(JSON.stringify(await mock.sign(vouch, 'application/vnd.in-toto+json'))), SLSA);
      const ids = (san: string) => layout({ certificate_identities: [{ subject_alternative_name: san, oidc_issuer: TEST_ISSUER }] }, []);
      const r = await verdict(b, ids(TEST_IDENTITY), 'linux/amd64', root);
      assert.equal(r.verdict, 'pass', r.why);
      assert.equal((await verdict(b, ids('https://github.com/evil/x/.github/workflows/x.yml@refs/heads/main'), 'linux/amd64', root)).verdict, 'fail', 'another identity');
      assert.equal((await verdict(b, ids(TEST_IDENTITY))).verdict, 'fail', 'no trusted root');
    });
  });

  describe('attacks', () => {
    it('an envelope signed by another key vouches for nothing', async () => {
      const b = await buildx('attack-other-key');
      await cosignVouch(b.store, b.att, await vouchDoc(b.att.digest, generateKey('ecdsa-p256')));
      assert.equal((await verdict(b)).verdict, 'fail');
    });

    it('an unsigned vouch (an envelope without signatures, or a bare Statement) vouches for nothing', async () => {
      const b = await buildx('attack-unsigned');
      const doc = await vouchDoc(b.att.digest);
      if (doc.format !== 'dsse') throw new Error('dsse');
      await cosignAttest(b.store, b.att, [{ envelope: { ...doc.envelope, signatures: [] }, predicateType: SLSA }]);
      const bare = Buffer.from(JSON.stringify(makeStatement([{ digest: { sha256: b.att.digest.slice(7) } }], SLSA, {})));
      await orasAttach(b.store, b.att, 'application/vnd.in-toto+json', { name: 'vouch.json', mediaType: 'application/vnd.in-toto+json', bytes: bare });
      assert.equal((await verdict(b)).verdict, 'fail');
    });

    it('a signed vouch for another blob or manifest, attached to this attestation manifest, does not count', async () => {
      const b = await buildx('attack-other-blob');
      const elsewhere = await buildkitAttestation(b.store, [{ predicateType: SLSA, body: buildkitStatement(b.arm) }]);
      await cosignVouch(b.store, b.att, await vouchDoc(elsewhere.digest));
      await attach(b.store, b.att, await vouchDoc(b.amd.digest), { force: true }); // names the image, not the attestation
      const r = await verdict(b);
      assert.equal(r.verdict, 'fail');
    });

    it('a vouch of another predicate type does not vouch for this one', async () => {
      const b = await buildx('attack-other-type');
      await cosignVouch(b.store, b.att, await vouchDoc(b.att.digest, builder, SPDX), SPDX);
      assert.equal((await verdict(b)).verdict, 'fail');
    });

    it("another image's vouched attestation manifest, put into this index, does not count", async () => {
      const store = new MemoryStore({ referrers: false });
      const other = await buildx('attack-other-image', store);
      await cosignVouch(store, other.att, await vouchDoc(other.att.digest));
      assert.equal((await verdict(other)).verdict, 'pass', 'it counts for the image it is about');
      const amd = await pushImage(store, await buildImage('attack-this-image', AMD));
      const index = await buildxIndex(store, [{ image: amd, platform: AMD, attestation: other.att }]);
      const r = await verdict({ store, index });
      assert.equal(r.verdict, 'fail');
      assert.match(r.why, /not about this image/);
    });

    it('a vouch naming the manifest (or the blob) does not carry over to a manifest whose layer was swapped', async () => {
      for (const names of ['manifest', 'blob'] as const) {
        const b = await buildx(`attack-swap-${names}`);
        const doc = await vouchDoc(names === 'manifest' ? b.att.digest : b.layer);
        await cosignVouch(b.store, b.att, doc);
        assert.equal((await verdict(b)).verdict, 'pass', 'the genuine one counts');
        // The attacker writes their own Statement about the same image, a manifest around it,
        // the genuine vouch next to it, and an index that points at it.
        const forged = await buildkitAttestation(b.store, [{ predicateType: SLSA, body: buildkitStatement(b.amd, SLSA, 'https://evil.example/builder') }]);
        await cosignVouch(b.store, forged, doc);
        const index = await buildxIndex(b.store, [{ image: b.amd, platform: AMD, attestation: forged }, { image: b.arm, platform: ARM }]);
        const r = await verdict({ store: b.store, index });
        assert.equal(r.verdict, 'fail', `vouch naming the ${names}`);
      }
    });

    it('an attestation manifest whose vnd.docker.reference.digest names another platform does not count for it', async () => {
      const store = new MemoryStore({ referrers: false });
      const amd = await pushImage(store, await buildImage('attack-platform', AMD));
      const arm = await pushImage(store, await buildImage('attack-platform', ARM));
      const armAtt = await buildkitAttestation(store, [{ predicateType: SLSA, body: buildkitStatement(arm) }]);
      await cosignVouch(store, armAtt, await vouchDoc(armAtt.digest));
      const honest = await buildxIndex(store, [{ image: amd, platform: AMD }, { image: arm, platform: ARM, attestation: armAtt }]);
      assert.equal((await verdict({ store, index: honest }, layout(), 'linux/arm64')).verdict, 'pass', 'it counts for arm64');
      const lying = await buildxIndex(store, [{ image: amd, platform: AMD }, { image: arm, platform: ARM, attestation: armAtt, refersTo: amd.digest }]);
      assert.equal((await verdict({ store, index: lying }, layout(), 'linux/amd64')).verdict, 'fail');
    });
  });
});

describe('vouchedBody (the engine check, whatever a source offers)', () => {
  const about = (d: string) => ({ digest: { sha256: d.slice(7) } });
  const m = `sha256:${'a'.repeat(64)}`;
  const blob = `sha256:${'b'.repeat(64)}`;
  const vouched = { statement: buildkitStatement({ mediaType: 'x', digest: `sha256:${'c'.repeat(64)}`, size: 1 }), pinnedBy: [m, blob] };
  const vouch = (subject: string, type = SLSA) => makeStatement([about(subject)], type, {}) as unknown as Record<string, unknown>;

  it('offers the vouched Statement when the vouch names the manifest or the blob, with its predicate type', () => {
    for (const d of [m, blob]) {
      const body = vouchedBody(vouch(d), vouched, 'test');
      assert.equal(body.kind === 'statement' && body.statement.subject[0]?.digest?.['sha256'], 'c'.repeat(64));
    }
  });

  it('refuses a vouch of another predicate type, naming another digest, or that is no Statement', () => {
    assert.throws(() => vouchedBody(vouch(m, SPDX), vouched, 'test'), /predicate/);
    assert.throws(() => vouchedBody(vouch(`sha256:${'d'.repeat(64)}`), vouched, 'test'), /not the attestation/);
    assert.throws(() => vouchedBody({ _type: 'link', name: 'x', command: [], materials: {}, products: {}, byproducts: {}, environment: {} }, vouched, 'test'), /does not hold a Statement/);
  });
});
