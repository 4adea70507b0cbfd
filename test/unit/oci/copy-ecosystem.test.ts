import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey, encodeKeyPair } from '../../../src/crypto/index.js';
import { makeStatement, signStatement } from '../../../src/intoto/index.js';
import { copyGraph, MemoryStore, OciLayoutStore, type Store } from '../../../src/oci/index.js';
import { discoverEvidence } from '../../../src/attest/ecosystem/index.js';
import { buildImage, pushImage } from '../../helpers/image.js';
import { tmpDir } from '../../helpers/tmp.js';
import { attachSigstoreBundle, cosignAttest, cosignSign, ecosystemFile, notationSign, orasAttach } from '../../helpers/ecosystem.js';

// `cairn copy --referrers` carries what every tool attached: cosign's tags (not referrers), and
// referrers listed only in a fallback index (as oras and sigstore-js write it), into an OCI
// layout and back out to a store without the referrers API.

const SLSA = 'https://slsa.dev/provenance/v1';
const summary = async (store: Store, image: Parameters<typeof discoverEvidence>[1]) =>
  (await discoverEvidence(store, image)).map((i) => i.report.convention).sort();

describe('copy --referrers carries every convention', () => {
  it('registry (tag schema) -> oci: layout -> another registry', async () => {
    const key = generateKey('ecdsa-p256');
    const src = new MemoryStore({ referrers: false });
    const image = await pushImage(src, await buildImage('copy-eco'));
    const doc = await signStatement(makeStatement([{ digest: { sha256: image.digest.slice(7) } }], SLSA, {}), [key]);
    await cosignAttest(src, image, [{ envelope: (doc as { envelope: unknown }).envelope, predicateType: SLSA }]);
    await cosignSign(src, image, 'registry.test/app', encodeKeyPair(key).privatePem);
    await attachSigstoreBundle(src, image, ecosystemFile('sigstore-conformance-happy-path-intoto-in-dsse-v3.sigstore.json'), SLSA);
    await notationSign(src, image, 'jws', 'artifact');
    await orasAttach(src, image, 'application/vnd.example.sbom.v1+json', { name: 'sbom.json', mediaType: 'application/json', bytes: Buffer.from('{}') });
    const expected = ['cosign-attestation', 'cosign-signature', 'notation-signature', 'oras-artifact', 'sigstore-bundle'];
    assert.deepEqual(await summary(src, image), expected);
    const layout = OciLayoutStore.open(tmpDir(), { create: true });
    await copyGraph(src, layout, image, { referrers: true });
    assert.deepEqual(await summary(layout, image), expected);
    const back = new MemoryStore({ referrers: false });
    await copyGraph(layout, back, image, { referrers: true });
    assert.deepEqual(await summary(back, image), expected);
  });
});
