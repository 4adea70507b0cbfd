import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadSigstoreTrustedRoot, readSigstoreBundle, verifySigstoreBundle } from '../../../src/sigstore/index.js';
import { assertCairnErrorSync } from '../../helpers/assert.js';
import { mockSigstore, TEST_IDENTITY, TEST_ISSUER, type MockSigstore } from '../../helpers/sigstore-mock.js';

// Bundles whose time of signing comes from an RFC 3161 timestamp authority instead of (or as
// well as) a transparency log, made with @sigstore/mock's TSA. A trusted root that lists no
// transparency log but a TSA (GitHub's root for private repositories has this shape) verifies
// TSA-only bundles; a root that lists a log still requires an entry in it, as the Sigstore
// clients do for the public-good instance. Either way a timestamp must verify against a TSA of
// the root, and over this very signature.

const STATEMENT = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}');
const INTOTO = 'application/vnd.in-toto+json';

describe('Sigstore bundles with signed timestamps (RFC 3161)', () => {
  let mock: MockSigstore;
  let other: MockSigstore;
  before(async () => {
    mock = await mockSigstore();
    other = await mockSigstore();
  });

  it('verifies a TSA-only bundle (no log entry) against a root listing the CA and the TSA and no log', async () => {
    const bundle = await mock.sign(STATEMENT, INTOTO, {}, { tsa: true });
    const material = bundle['verificationMaterial'] as { tlogEntries?: unknown[]; timestampVerificationData: { rfc3161Timestamps: unknown[] } };
    assert.equal(material.tlogEntries?.length ?? 0, 0);
    assert.equal(material.timestampVerificationData.rfc3161Timestamps.length, 1);
    const v = verifySigstoreBundle(readSigstoreBundle(bundle), loadSigstoreTrustedRoot(mock.tsaOnlyRoot, 'tsa root'));
    assert.deepEqual(v.identity, { subjectAlternativeName: TEST_IDENTITY, issuer: TEST_ISSUER });
  });

  it('verifies a bundle with both a log entry and a signed timestamp against the full root', async () => {
    const bundle = await mock.sign(STATEMENT, INTOTO, {}, { tlog: true, tsa: true });
    const v = verifySigstoreBundle(readSigstoreBundle(bundle), loadSigstoreTrustedRoot(mock.trustedRoot, 'full root'));
    assert.equal(v.identity.subjectAlternativeName, TEST_IDENTITY);
  });

  it('refuses a TSA-only bundle when the root lists a transparency log (the log entry is required)', async () => {
    const bundle = await mock.sign(STATEMENT, INTOTO, {}, { tsa: true });
    assertCairnErrorSync(() => verifySigstoreBundle(readSigstoreBundle(bundle), loadSigstoreTrustedRoot(mock.trustedRoot, 'full root')), 'SIGNATURE_INVALID', /TLOG/);
  });

  it('refuses a timestamp from a TSA the root does not list', async () => {
    const bundle = await other.sign(STATEMENT, INTOTO, {}, { tsa: true });
    // the other instance's CA, but this instance's TSA: only the TSA is wrong
    const root = { ...mock.tsaOnlyRoot, certificateAuthorities: other.tsaOnlyRoot['certificateAuthorities'], ctlogs: other.tsaOnlyRoot['ctlogs'] };
    assertCairnErrorSync(() => verifySigstoreBundle(readSigstoreBundle(bundle), loadSigstoreTrustedRoot(root, 'mixed root')), 'SIGNATURE_INVALID', /TIMESTAMP/);
  });

  it('refuses a bundle with neither a log entry nor a timestamp, and a timestamp taken over another signature', async () => {
    const bare = await mock.sign(STATEMENT, INTOTO, {}, { tlog: false, tsa: false });
    const root = loadSigstoreTrustedRoot(mock.tsaOnlyRoot, 'tsa root');
    assertCairnErrorSync(() => verifySigstoreBundle(readSigstoreBundle(bare), root), 'SIGNATURE_INVALID', /TIMESTAMP/);
    const donor = await mock.sign(Buffer.from('{"_type":"https://in-toto.io/Statement/v1","other":1}'), INTOTO, {}, { tsa: true });
    const grafted = structuredClone(bare) as { verificationMaterial: Record<string, unknown> };
    grafted.verificationMaterial['timestampVerificationData'] = (donor['verificationMaterial'] as Record<string, unknown>)['timestampVerificationData'];
    assertCairnErrorSync(() => verifySigstoreBundle(readSigstoreBundle(grafted), root), 'SIGNATURE_INVALID', /TIMESTAMP/);
  });

  it('verifies a Rekor v2 entry (dsse 0.0.2: inclusion proof and checkpoint, no promise) with a signed timestamp', async () => {
    const bundle = await mock.sign(STATEMENT, INTOTO, {}, { rekorV2: true, tsa: true });
    const [entry] = (bundle['verificationMaterial'] as { tlogEntries: { kindVersion: { kind: string; version: string }; inclusionPromise?: unknown }[] }).tlogEntries;
    assert.deepEqual(entry?.kindVersion, { kind: 'dsse', version: '0.0.2' });
    assert.equal(entry?.inclusionPromise, undefined);
    const v = verifySigstoreBundle(readSigstoreBundle(bundle), loadSigstoreTrustedRoot(mock.trustedRoot, 'full root'));
    assert.equal(v.identity.subjectAlternativeName, TEST_IDENTITY);
    // a v2 entry carries no time: without the TSA's timestamp there is none, and nothing verifies
    const untimed = await mock.sign(STATEMENT, INTOTO, {}, { rekorV2: true });
    assertCairnErrorSync(() => verifySigstoreBundle(readSigstoreBundle(untimed), loadSigstoreTrustedRoot(mock.trustedRoot, 'full root')), 'SIGNATURE_INVALID', /TIMESTAMP/);
    // nor does it count against a root that does not list the log
    assertCairnErrorSync(() => verifySigstoreBundle(readSigstoreBundle(bundle), loadSigstoreTrustedRoot({ ...other.trustedRoot, certificateAuthorities: mock.trustedRoot['certificateAuthorities'], ctlogs: mock.trustedRoot['ctlogs'], timestampAuthorities: mock.trustedRoot['timestampAuthorities'] }, 'other log')), 'SIGNATURE_INVALID', /TLOG/);
  });

  it('refuses a root with neither a transparency log nor a timestamp authority', () => {
    assertCairnErrorSync(() => loadSigstoreTrustedRoot({ ...mock.tsaOnlyRoot, timestampAuthorities: [] }, 'ca only'), 'TRUST_ROOT_INVALID', /transparency log or a timestamp authority/);
  });
});
