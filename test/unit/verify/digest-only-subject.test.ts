// Moved from test/unit/policy/digest-only-subject.test.ts (issue 14: policy/ split into verify/, image-verify/, author/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey, keyDict } from '../../../src/crypto/index.js';
import { signMetablock, signStatement, makeStatement, type SignedDocument } from '../../../src/intoto/index.js';
import { MemoryStore } from '../../../src/oci/index.js';
import { attach } from '../../../src/attest/index.js';
import { verifyImage } from '../../../src/image-verify/index.js';
import { buildImage, pushImage } from '../../helpers/image.js';

// Regression: a Statement whose subject is only a digest (what cosign v3 writes) satisfies an
// ITE-10 step; before, Cairn asked every subject for a name and refused it as unreadable.

const PROVENANCE = 'https://slsa.dev/provenance/v1';

describe('a Statement whose subject has only a digest (cosign v3)', () => {
  it('satisfies a step with expected_predicate_type when it names the image', async () => {
    const owner = generateKey('ed25519');
    const dev = generateKey('ed25519');
    const fid = dev.publicKey.keyId;
    const layout: SignedDocument = {
      format: 'legacy',
      metablock: signMetablock({
        _type: 'layout', expires: '2099-01-01T00:00:00Z', readme: '', keys: { [fid]: keyDict(dev.publicKey) },
        steps: [{ _type: 'step', name: 'provenance', threshold: 1, pubkeys: [fid], expected_command: [], expected_materials: [], expected_products: [['ALLOW', '*']], expected_predicate_type: PROVENANCE }],
        inspect: [],
      }, [owner]),
    };
    const store = new MemoryStore();
    const image = await pushImage(store, await buildImage('digest-only'));
    await attach(store, image, await signStatement(makeStatement([{ digest: { sha256: image.digest.slice(7) } }], PROVENANCE, { buildDefinition: {} }), [dev]));
    const r = await verifyImage({ store, subject: image, layout, layoutKeys: [owner.publicKey] });
    assert.equal(r.verdict, 'pass', r.platforms[0]!.report.failure?.message);
  });
});
