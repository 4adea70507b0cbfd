// Moved from test/unit/policy/foreign-evidence.test.ts (issue 14: policy/ split into verify/, image-verify/, author/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey, keyDict, type PrivateKey } from '../../../src/crypto/index.js';
import { makeStatement, signMetablock, signStatement, type SignedDocument } from '../../../src/intoto/index.js';
import { MemoryStore, type Store } from '../../../src/oci/index.js';
import { verifyImage } from '../../../src/image-verify/index.js';
import { loadSigstoreTrustedRoot, type SigstoreTrustedRoot } from '../../../src/sigstore/index.js';
import type { Descriptor } from '../../../src/schema/index.js';
import { buildImage, pushImage } from '../../helpers/image.js';
import { mockSigstore, TEST_IDENTITY, TEST_ISSUER, type MockSigstore } from '../../helpers/sigstore-mock.js';
import { attachSigstoreBundle, buildkitIndex, cosignAttest, ecosystemFile, orasAttach } from '../../helpers/ecosystem.js';

// ITE-10 steps satisfied by what other tools attach: a key-signed cosign attestation, a keyless
// Sigstore bundle (certificate identity + offline trusted root), an oras-attached envelope; and
// everything that must not count: a wrong identity, an untrusted root, a Statement about another
// image, an unsigned BuildKit Statement.

const SLSA = 'https://slsa.dev/provenance/v1';
const owner = generateKey('ed25519');

function layout(step: Record<string, unknown>, keys: PrivateKey[] = []): SignedDocument {
  return {
    format: 'legacy',
    metablock: signMetablock({
      _type: 'layout', expires: '2099-01-01T00:00:00Z', readme: '',
      keys: Object.fromEntries(keys.map((k) => [k.publicKey.keyId, keyDict(k.publicKey)])),
      steps: [{ _type: 'step', name: 'provenance', threshold: 1, pubkeys: keys.map((k) => k.publicKey.keyId), expected_command: [], expected_materials: [], expected_products: [['ALLOW', '*']], expected_predicate_type: SLSA, ...step }],
      inspect: [],
    }, [owner]),
  };
}

const statementAbout = (d: Descriptor) => Buffer.from(JSON.stringify(makeStatement([{ digest: { sha256: d.digest.slice(7) } }], SLSA, { buildDefinition: {} })));
const identity = (san = TEST_IDENTITY, issuer = TEST_ISSUER) => ({ certificate_identities: [{ subject_alternative_name: san, oidc_issuer: issuer }] });

async function verdict(store: Store, subject: Descriptor, doc: SignedDocument, trustedRoot?: SigstoreTrustedRoot): Promise<{ verdict: string; why?: string }> {
  const r = await verifyImage({ store, subject, layout: doc, layoutKeys: [owner.publicKey], ...(trustedRoot ? { trustedRoot } : {}) });
  return { verdict: r.verdict, ...(r.platforms[0]?.report.failure ? { why: r.platforms[0].report.failure.message } : {}) };
}

describe('foreign evidence satisfies ITE-10 steps', () => {
  let mock: MockSigstore;
  let root: SigstoreTrustedRoot;

  it('counts a key-signed cosign attestation (.att tag) about the image', async () => {
    const key = generateKey('ecdsa-p256');
    const store = new MemoryStore({ referrers: false });
    const image = await pushImage(store, await buildImage('cosign-verify'));
    const doc = await signStatement(JSON.parse(statementAbout(image).toString()), [key]);
    if (doc.format !== 'dsse') throw new Error('dsse');
    assert.equal((await verdict(store, image, layout({}, [key]))).verdict, 'fail', 'nothing attached yet');
    await cosignAttest(store, image, [{ envelope: { ...doc.envelope, signatures: doc.envelope.signatures.map((s) => ({ ...s, keyid: '' })) }, predicateType: SLSA }]);
    const r = await verdict(store, image, layout({}, [key]));
    assert.equal(r.verdict, 'pass', r.why);
    assert.equal((await verdict(store, image, layout({}, [generateKey('ecdsa-p256')]))).verdict, 'fail', 'another key');
  });

  it('counts an oras-attached DSSE envelope signed by the functionary', async () => {
    const key = generateKey('ed25519');
    const store = new MemoryStore();
    const image = await pushImage(store, await buildImage('oras-verify'));
    const doc = await signStatement(JSON.parse(statementAbout(image).toString()), [key]);
    await orasAttach(store, image, 'application/vnd.dsse.envelope.v1+json', { name: 'prov.dsse.json', mediaType: 'application/vnd.dsse.envelope.v1+json', bytes: Buffer.from(JSON.stringify((doc as { envelope: unknown }).envelope)) });
    const r = await verdict(store, image, layout({}, [key]));
    assert.equal(r.verdict, 'pass', r.why);
  });

  it('counts a keyless Sigstore bundle whose certificate identity the step names, verified against the trusted root', async () => {
    mock = await mockSigstore();
    root = loadSigstoreTrustedRoot(mock.trustedRoot, 'mock root');
    const store = new MemoryStore({ referrers: false });
    const image = await pushImage(store, await buildImage('keyless'));
    await attachSigstoreBundle(store, image, Buffer.from(JSON.stringify(await mock.sign(statementAbout(image), 'application/vnd.in-toto+json'))), SLSA);
    const ok = await verdict(store, image, layout(identity()), root);
    assert.equal(ok.verdict, 'pass', ok.why);
    const re = await verdict(store, image, layout({ certificate_identities: [{ subject_alternative_name_regexp: 'https://github\\.com/acme/.*', oidc_issuer: TEST_ISSUER }] }), root);
    assert.equal(re.verdict, 'pass', re.why);
    // Attacks: a wrong identity, a wrong issuer, no trusted root, a root that does not list the CA.
    assert.equal((await verdict(store, image, layout(identity('https://github.com/evil/app/.github/workflows/x.yml@refs/heads/main')), root)).verdict, 'fail');
    assert.equal((await verdict(store, image, layout(identity(TEST_IDENTITY, 'https://accounts.google.com')), root)).verdict, 'fail');
    assert.equal((await verdict(store, image, layout(identity()))).verdict, 'fail');
    const publicGood = loadSigstoreTrustedRoot(JSON.parse(ecosystemFile('sigstore-public-good-trusted_root.json').toString()), 'public good');
    assert.equal((await verdict(store, image, layout(identity()), publicGood)).verdict, 'fail');
  });

  it('does not count a keyless bundle about another image, nor a real bundle about a file', async () => {
    const store = new MemoryStore({ referrers: false });
    const image = await pushImage(store, await buildImage('keyless-target'));
    const other = await pushImage(store, await buildImage('keyless-other'));
    await attachSigstoreBundle(store, image, Buffer.from(JSON.stringify(await mock.sign(statementAbout(other), 'application/vnd.in-toto+json'))), SLSA);
    const r = await verdict(store, image, layout(identity()), root);
    assert.equal(r.verdict, 'fail');
    assert.match(r.why ?? '', /not about this image/);
    await attachSigstoreBundle(store, image, ecosystemFile('sigstore-conformance-happy-path-intoto-in-dsse-v3.sigstore.json'), SLSA);
    const publicGood = loadSigstoreTrustedRoot(JSON.parse(ecosystemFile('sigstore-public-good-trusted_root.json').toString()), 'public good');
    const beacon = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
    const real = await verdict(store, image, layout(identity(beacon, 'https://token.actions.githubusercontent.com')), publicGood);
    assert.equal(real.verdict, 'fail', 'verified, right identity, but about a.txt');
    assert.match(real.why ?? '', /not about this image/);
  });

  it('never counts an unsigned BuildKit Statement, even about the image', async () => {
    const key = generateKey('ed25519');
    const store = new MemoryStore();
    const placeholder = await buildImage('bk-verify');
    const b = await buildkitIndex(store, 'bk-verify', [{ predicateType: SLSA, body: statementAbout(placeholder.manifest) }]);
    const r = await verifyImage({ store, subject: b.index, layout: layout({}, [key]), layoutKeys: [owner.publicKey] });
    assert.equal(r.verdict, 'fail');
  });
});
