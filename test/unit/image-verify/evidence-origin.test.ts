import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey } from '../../../src/crypto/index.js';
import { signStatement, makeStatement } from '../../../src/intoto/index.js';
import { MemoryStore } from '../../../src/oci/index.js';
import { attach } from '../../../src/attest/index.js';
import { verifyImage } from '../../../src/image-verify/index.js';
import { buildImage, pushImage } from '../../helpers/image.js';
import { key, layoutBody, signLayoutBody } from '../verify/fixtures.js';

// Where each piece of evidence came from is data in the report (EvidenceNote.source), so that a
// program (a verification summary listing its input attestations) takes a referrer's digest
// from a field, not out of the display line.

const PROVENANCE = 'https://slsa.dev/provenance/v1';

describe('evidence origins in the report', () => {
  it('names a referrer by its manifest digest, as data and as one line', async () => {
    const owner = key('owner');
    const dev = key('dev');
    const layout = await signLayoutBody(layoutBody([{ name: 'provenance', keys: [dev.publicKey], products: [['ALLOW', '*']], extra: { expected_predicate_type: PROVENANCE } }]), [owner]);
    const store = new MemoryStore();
    const image = await pushImage(store, await buildImage('origins'));
    const counted = await attach(store, image, await signStatement(makeStatement([{ digest: { sha256: image.digest.slice(7) } }], PROVENANCE, {}), [dev]));
    const stranger = await attach(store, image, await signStatement(makeStatement([{ digest: { sha256: image.digest.slice(7) } }], PROVENANCE, {}), [generateKey('ed25519')]));
    const r = await verifyImage({ store, subject: image, layout, layoutKeys: [owner.publicKey], allowUnbound: true });
    const step = r.platforms[0]!.report.checks.find((c) => c.check === 'step-evidence');
    assert.ok(step?.check === 'step-evidence');
    const notes = [...step.evidence].sort((a, b) => Number(b.accepted) - Number(a.accepted));
    assert.deepEqual(notes.map((n) => [n.accepted, n.source, n.origin]), [
      [true, { store: 'referrers', digest: counted.descriptor.digest, onIndex: false }, `referrer ${counted.descriptor.digest}`],
      [false, { store: 'referrers', digest: stranger.descriptor.digest, onIndex: false }, `referrer ${stranger.descriptor.digest}`],
    ]);
  });
});
