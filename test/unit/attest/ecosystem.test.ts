import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, encodeKeyPair, type PrivateKey } from '../../../src/crypto/index.js';
import { makeStatement, signStatement } from '../../../src/intoto/index.js';
import { MemoryStore, OciLayoutStore, type ReadOnlyStore, type Store } from '../../../src/oci/index.js';
import { discover } from '../../../src/attest/index.js';
import { discoverEvidence, type EvidenceReport, type InspectedItem } from '../../../src/attest/ecosystem/index.js';
import { loadSigstoreTrustedRoot } from '../../../src/sigstore/index.js';
import type { Descriptor } from '../../../src/schema/index.js';
import { fetchVerified } from '../../../src/oci/index.js';
const readAll = (store: ReadOnlyStore, d: Descriptor) => fetchVerified(store, d, 1 << 20);
import { buildImage, pushImage } from '../../helpers/image.js';
import { tmpDir } from '../../helpers/tmp.js';
import { mockSigstore, TEST_IDENTITY, TEST_ISSUER } from '../../helpers/sigstore-mock.js';
import { attachSigstoreBundle, buildkitIndex, cosignAttest, cosignSaveMarks, cosignSign, ecosystemFile, notationSign, orasAttach, SIGSTORE_BUNDLE } from '../../helpers/ecosystem.js';

// `cairn discover` on the layouts other tools write: every item found, identified from its own
// manifest, with its envelope, Statement, signer and verification. Run on an OCI layout and on
// a store without the referrers API (the tag schema); test/e2e/ecosystem.e2e.test.ts pushes the
// same layouts to a real registry.

const SLSA = 'https://slsa.dev/provenance/v1';
const SPDX = 'https://spdx.dev/Document';
const NOTATION_TARGET = 'sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0';

async function cosignEnvelope(key: PrivateKey, about: Descriptor, predicateType = SLSA) {
  const doc = await signStatement(makeStatement([{ name: 'registry.test/app', digest: { sha256: about.digest.slice(7) } }], predicateType, { builder: { id: 'x' } }), [key]);
  if (doc.format !== 'dsse') throw new Error('dsse expected');
  return { ...doc.envelope, signatures: doc.envelope.signatures.map((s) => ({ ...s, keyid: '' })) }; // cosign writes keyid ""
}

const byConvention = (items: InspectedItem[], c: EvidenceReport['convention']) => items.filter((i) => i.report.convention === c).map((i) => i.report);

// Counts blob reads, to prove filters act before blobs are pulled.
function counting(store: ReadOnlyStore): { store: ReadOnlyStore; fetched: string[] } {
  const fetched: string[] = [];
  const wrapped = Object.create(store) as ReadOnlyStore;
  (wrapped as { fetch: ReadOnlyStore['fetch'] }).fetch = (d) => {
    fetched.push(d.digest);
    return store.fetch(d);
  };
  return { store: wrapped, fetched };
}

for (const kind of ['oci-layout', 'tag-schema'] as const) {
  describe(`discover: the ecosystem's evidence (${kind})`, () => {
    const make = (): { store: Store; dir?: string } => {
      if (kind === 'tag-schema') return { store: new MemoryStore({ referrers: false }) };
      const dir = tmpDir();
      return { store: OciLayoutStore.open(dir, { create: true }), dir };
    };
    const cosignKey = generateKey('ecdsa-p256');
    const other = generateKey('ecdsa-p256');

    it('finds cosign .att and .sig tags and verifies them with the key', async () => {
      const { store } = make();
      const image = await pushImage(store, await buildImage('cosign'));
      await cosignAttest(store, image, [{ envelope: await cosignEnvelope(cosignKey, image), predicateType: SLSA }]);
      await cosignSign(store, image, 'registry.test/app', encodeKeyPair(cosignKey).privatePem);
      const items = await discoverEvidence(store, image, { keys: [cosignKey.publicKey] });
      const [att] = byConvention(items, 'cosign-attestation');
      assert.equal(att?.foundBy, 'cosign-tag');
      const l = att!.layers[0]!;
      assert.ok(!('skipped' in l && l.skipped) && !l.error);
      assert.equal((l as { envelope: string }).envelope, 'dsse');
      assert.equal((l as { predicateType: string }).predicateType, SLSA);
      assert.equal((l as { aboutSubject: boolean }).aboutSubject, true);
      assert.equal((l as { verified: { result: string } }).verified.result, 'verified');
      const [sig] = byConvention(items, 'cosign-signature');
      assert.equal((sig!.layers[0] as { target: string }).target, image.digest);
      assert.equal((sig!.layers[0] as { verified: { result: string } }).verified.result, 'verified');
      const wrong = await discoverEvidence(store, image, { keys: [other.publicKey] });
      assert.ok(wrong.every((i) => i.report.layers.every((x) => (x as { verified?: { result: string } }).verified?.result === 'failed')));
    });

    it('finds a keyless Sigstore bundle referrer, verifies it offline, and says whether it names the image', async () => {
      const { store, dir } = make();
      const image = await pushImage(store, await buildImage('bundle'));
      const mock = await mockSigstore();
      const stmt = Buffer.from(JSON.stringify(makeStatement([{ digest: { sha256: image.digest.slice(7) } }], SLSA, {})));
      await attachSigstoreBundle(store, image, Buffer.from(JSON.stringify(await mock.sign(stmt, 'application/vnd.in-toto+json'))), SLSA);
      await attachSigstoreBundle(store, image, ecosystemFile('sigstore-conformance-happy-path-intoto-in-dsse-v3.sigstore.json'), SLSA);
      if (dir) {
        // Leave the bundles reachable only through the sha256-<hex> fallback tag (as oras copy leaves a layout).
        const path = join(dir, 'index.json');
        const index = JSON.parse(readFileSync(path, 'utf8'));
        index.manifests = index.manifests.filter((d: Descriptor) => d.artifactType !== SIGSTORE_BUNDLE && d.annotations?.['org.opencontainers.image.ref.name']);
        writeFileSync(path, JSON.stringify(index));
      }
      const items = await discoverEvidence(store, image, { trustedRoot: loadSigstoreTrustedRoot(mock.trustedRoot, 'mock root') });
      const bundles = byConvention(items, 'sigstore-bundle');
      assert.equal(bundles.length, 2);
      assert.ok(bundles.every((b) => b.foundBy === 'referrers-tag'));
      const mine = bundles.find((b) => (b.layers[0] as { aboutSubject?: boolean }).aboutSubject === true)!;
      assert.deepEqual((mine.layers[0] as { signer: unknown }).signer, { identity: TEST_IDENTITY, issuer: TEST_ISSUER });
      assert.deepEqual((mine.layers[0] as { verified: unknown }).verified, { result: 'verified', with: 'mock root' });
      const real = bundles.find((b) => b !== mine)!;
      assert.equal((real.layers[0] as { aboutSubject: boolean }).aboutSubject, false, 'a bundle about a.txt is not about this image');
      assert.equal((real.layers[0] as { verified: { result: string } }).verified.result, 'failed', 'the mock root does not vouch for public-good');
    });

    it('shows BuildKit attestation manifests as attestations of their platform, never unknown/unknown', async () => {
      const { store } = make();
      const placeholder = { digest: { sha256: '0'.repeat(64) } };
      const b = await buildkitIndex(store, 'bk', [{ predicateType: SPDX, body: Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: SPDX, subject: [{ name: '_', ...placeholder }], predicate: {} })) }]);
      const items = await discoverEvidence(store, b.index);
      const [bk] = byConvention(items, 'buildkit-attestation');
      assert.equal(bk?.platform, 'linux/amd64');
      assert.equal(bk?.attachedTo, b.platform.digest);
      assert.equal(bk?.foundBy, 'image-index');
      assert.equal((bk!.layers[0] as { envelope: string }).envelope, 'in-toto-statement');
      assert.deepEqual((bk!.layers[0] as { verified: unknown }).verified, { result: 'unsigned' });
      const tree = await discover(store, b.index);
      assert.deepEqual(tree.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`), ['linux/amd64']);
      assert.deepEqual(tree.manifests[0]!.referrers.map((r) => r.descriptor.digest), [b.attestation.digest]);
    });

    it('reads notation signatures (JWS and COSE, both manifest forms) and oras-attached artifacts', async () => {
      const { store } = make();
      const image = await pushImage(store, await buildImage('notation'));
      await notationSign(store, image, 'jws', 'artifact');
      await notationSign(store, image, 'cose', 'image');
      await orasAttach(store, image, 'application/vnd.example.sbom.v1+json', { name: 'sbom.spdx.json', mediaType: 'application/spdx+json', bytes: Buffer.from('{"spdxVersion":"SPDX-2.3"}') });
      const items = await discoverEvidence(store, image);
      const sigs = byConvention(items, 'notation-signature');
      assert.deepEqual(sigs.map((s) => (s.layers[0] as { envelope: string }).envelope).sort(), ['cose', 'jws']);
      for (const s of sigs) {
        assert.equal(s.artifactType, 'application/vnd.cncf.notary.signature');
        const l = s.layers[0] as { target: string; aboutSubject: boolean; signer?: { identity: string } };
        assert.equal(l.target, NOTATION_TARGET);
        assert.equal(l.aboutSubject, false, 'notation-go signed another manifest');
        assert.match(l.signer?.identity ?? '', /CN=/);
      }
      const [oras] = byConvention(items, 'oras-artifact');
      assert.equal(oras?.artifactType, 'application/vnd.example.sbom.v1+json');
      assert.equal((oras!.layers[0] as { envelope: string }).envelope, 'other');
    });

    it('takes the artifactType from the manifest, not from a listing that lies', async () => {
      const { store } = make();
      const image = await pushImage(store, await buildImage('liar'));
      const m = await orasAttach(store, image, 'application/vnd.example.other', { name: 'x', mediaType: 'text/plain', bytes: Buffer.from('x') });
      const items = await discoverEvidence(store, image, { artifactType: 'application/vnd.in-toto+json' });
      assert.ok(!items.some((i) => i.report.manifest === m.digest));
      const all = await discoverEvidence(store, image);
      assert.equal(all.find((i) => i.report.manifest === m.digest)?.report.artifactType, 'application/vnd.example.other');
    });

    it('filters by predicate type before pulling blobs, and does not read layers over the cap', async () => {
      const { store } = make();
      const image = await pushImage(store, await buildImage('filters'));
      const envs = [{ envelope: await cosignEnvelope(cosignKey, image, SPDX), predicateType: SPDX }, { envelope: await cosignEnvelope(cosignKey, image), predicateType: SLSA }];
      const att = await cosignAttest(store, image, envs);
      const layers = JSON.parse((await readAll(store, att)).toString()).layers as Descriptor[];
      const c = counting(store);
      const items = await discoverEvidence(c.store, image, { predicateType: SLSA });
      assert.deepEqual(items.flatMap((i) => i.report.layers.map((l) => l.digest)), [layers[1]!.digest]);
      assert.ok(!c.fetched.includes(layers[0]!.digest), 'the SPDX layer was pulled although its annotation said SPDX');
      const capped = await discoverEvidence(c.store, image, { predicateType: SLSA, maxLayerBytes: 10 });
      assert.match((capped[0]!.report.layers[0] as { skipped: string }).skipped, /more than the limit of 10/);
    });

    if (kind === 'oci-layout') {
      it('reads what `cosign save` marks in index.json (no tags), only for the image it saved', async () => {
        const { store, dir } = make();
        const image = await pushImage(store, await buildImage('save'));
        const otherImage = await pushImage(store, await buildImage('save-other'));
        const att = await cosignAttest(store, image, [{ envelope: await cosignEnvelope(cosignKey, image), predicateType: SLSA }], { tag: false });
        const sig = await cosignSign(store, image, 'registry.test/app', encodeKeyPair(cosignKey).privatePem, { tag: false });
        await cosignSaveMarks(dir!, image, [sig], [att]);
        const items = await discoverEvidence(store, image, { keys: [cosignKey.publicKey] });
        assert.deepEqual(items.map((i) => `${i.report.convention} ${i.report.foundBy}`).sort(), ['cosign-attestation cosign-save', 'cosign-signature cosign-save']);
        assert.ok(items.every((i) => (i.report.layers[0] as { verified: { result: string } }).verified.result === 'verified'));
        assert.deepEqual(await discoverEvidence(store, otherImage), []);
      });
    }
  });
}

