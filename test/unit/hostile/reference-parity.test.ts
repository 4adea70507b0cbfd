import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyDict, keyVerifier, publicKeyFromDict, type PrivateKey } from '../../../src/crypto/index.js';
import { canonicalBytes, canonicalJson } from '../../../src/encoding/index.js';
import { signBytes } from '../../../src/crypto/index.js';
import { makeLink, metablockSigners, readSignedDocument, serializeDocument, signLink, signMetablock, type SignedDocument } from '../../../src/intoto/index.js';
import { DirectoryEvidenceSource } from '../../../src/evidence/index.js';
import { verifyLayout, type VerificationReport } from '../../../src/verify/index.js';
import { digestOf } from '../../../src/digest/index.js';
import { expiryIn, makeRoot, signRoot, verifyPinnedRoot, walkTrustChain, type TrustRoot } from '../../../src/trust/index.js';
import { arts, key, layoutBody, MemoryEvidence, signLayoutBody } from '../verify/fixtures.js';
import { tmpDir } from '../../helpers/tmp.js';
import { assertCairnError, assertCairnErrorSync } from '../../helpers/assert.js';

// Issue 13 §4 and §6: where in-toto 1.3.1 (verifylib.verify_link_signature_thresholds,
// Metablock.verify_signature) rejects, Cairn rejects. A signature counts for a key only under
// a keyid of that key, and only the first signature under that keyid is checked; a link file
// counts for the functionary its name names, once; a threshold counts distinct keys; dates
// parse strictly; canonical JSON keeps integers exact and never changes a string.
// The random differential against the reference is test/interop/signature-differential.test.ts.

const owner = key('owner');
const bob = key('bob');
const carl = key('carl');
const src = arts({ 'src/a.py': 'a' });
const id8 = (k: PrivateKey) => k.publicKey.keyId.slice(0, 8);

function buildLayout(pubkeys: PrivateKey[], threshold: number): Record<string, unknown> {
  return layoutBody([{ name: 'build', keys: pubkeys.map((k) => k.publicKey), threshold, products: [['ALLOW', '*']] }]);
}

async function run(body: Record<string, unknown>, evidence: MemoryEvidence | DirectoryEvidenceSource, layout?: SignedDocument): Promise<VerificationReport> {
  return verifyLayout({ layout: layout ?? (await signLayoutBody(body, [owner])), layoutKeys: [owner.publicKey], evidence });
}

async function legacyLink(signers: PrivateKey[], byproducts?: Record<string, unknown>): Promise<SignedDocument> {
  return signLink(makeLink({ name: 'build', products: src, ...(byproducts ? { byproducts } : {}) }), signers, 'legacy');
}

function sigsOf(doc: SignedDocument) {
  assert.ok(doc.format === 'legacy');
  return doc.metablock.signatures;
}

describe('Metablock signatures as in-toto 1.3.1 checks them', () => {
  it('does not count a valid signature whose keyid names no key, or names it in upper case', async () => {
    for (const keyid of ['0'.repeat(64), bob.publicKey.keyId.toUpperCase()]) {
      const doc = await legacyLink([bob]);
      sigsOf(doc)[0]!.keyid = keyid;
      const r = await run(buildLayout([bob], 1), new MemoryEvidence().add('build', doc));
      assert.equal(r.verdict, 'fail', keyid);
      assert.match(r.failure!.message, /no valid signature by a key authorised for this step/);
    }
  });

  it('checks only the first signature under a keyid: a bad one followed by a good one fails (links)', async () => {
    const doc = await legacyLink([bob]);
    const good = sigsOf(doc)[0]!;
    const bad = { ...good, sig: signBytes(bob, Buffer.from('something else')).toString('hex') };
    assert.ok(doc.format === 'legacy');
    doc.metablock.signatures = [bad, good];
    const r = await run(buildLayout([bob], 1), new MemoryEvidence().add('build', doc));
    assert.equal(r.verdict, 'fail');
    doc.metablock.signatures = [good, bad];
    assert.equal((await run(buildLayout([bob], 1), new MemoryEvidence().add('build', doc))).verdict, 'pass');
  });

  it('checks only the first signature under a keyid: a bad one followed by a good one fails (layouts)', async () => {
    const body = buildLayout([bob], 1);
    const layout = await signLayoutBody(body, [owner]);
    const good = sigsOf(layout)[0]!;
    const bad = { ...good, sig: signBytes(owner, Buffer.from('not the layout')).toString('hex') };
    assert.ok(layout.format === 'legacy');
    layout.metablock.signatures = [bad, good];
    const r = await run(body, new MemoryEvidence().add('build', await legacyLink([bob])), layout);
    assert.equal(r.verdict, 'fail');
    assert.equal(r.failure?.check, 'layout-signatures');
  });

  it('does not count an owner signature whose keyid names no key on a layout', async () => {
    const body = buildLayout([bob], 1);
    const layout = await signLayoutBody(body, [owner]);
    sigsOf(layout)[0]!.keyid = owner.publicKey.keyId.toUpperCase();
    const r = await run(body, new MemoryEvidence().add('build', await legacyLink([bob])), layout);
    assert.equal(r.failure?.check, 'layout-signatures');
  });

  it('still finds each signer of a multi-signed Metablock', async () => {
    const doc = await legacyLink([bob, carl]);
    assert.ok(doc.format === 'legacy');
    assert.equal(metablockSigners(doc.metablock, [keyVerifier(bob.publicKey), keyVerifier(carl.publicKey)]).length, 2);
  });
});

describe('link files and thresholds as in-toto 1.3.1 counts them', () => {
  it('does not count a link file named for another functionary\'s keyid', async () => {
    const dir = tmpDir('cairn-parity-');
    writeFileSync(join(dir, `build.${id8(carl)}.link`), serializeDocument(await legacyLink([bob])));
    const r = await run(buildLayout([bob, carl], 1), new DirectoryEvidenceSource(dir));
    assert.equal(r.verdict, 'fail');
    assert.equal(r.failure?.check, 'step-evidence');
  });

  it('does not read a link file whose keyid is written in upper case', async () => {
    const dir = tmpDir('cairn-parity-');
    // a key whose keyid prefix has a letter (one in 40 has none, and would not change case)
    let k = bob;
    for (let i = 0; !/[a-f]/.test(id8(k)); i++) k = key(`upper-${i}`);
    writeFileSync(join(dir, `build.${id8(k).toUpperCase()}.link`), serializeDocument(await legacyLink([k])));
    const r = await run(buildLayout([k], 1), new DirectoryEvidenceSource(dir));
    assert.equal(r.verdict, 'fail');
  });

  it('counts one link file signed by two functionaries once toward a threshold of 2', async () => {
    const dir = tmpDir('cairn-parity-');
    const both = await legacyLink([bob, carl]);
    writeFileSync(join(dir, `build.${id8(bob)}.link`), serializeDocument(both));
    const r = await run(buildLayout([bob, carl], 2), new DirectoryEvidenceSource(dir));
    assert.equal(r.verdict, 'fail');
    assert.match(r.failure!.message, /needs 2 authorised functionaries, found 1/);
    // the same document filed under both names is two links, as in-toto counts them
    writeFileSync(join(dir, `build.${id8(carl)}.link`), serializeDocument(both));
    assert.equal((await run(buildLayout([bob, carl], 2), new DirectoryEvidenceSource(dir))).verdict, 'pass');
  });

  it('counts one document signed by two functionaries once wherever it comes from', async () => {
    const both = await legacyLink([bob, carl]);
    const r = await run(buildLayout([bob, carl], 2), new MemoryEvidence().add('build', both));
    assert.equal(r.verdict, 'fail');
    assert.match(r.failure!.message, /needs 2 authorised functionaries, found 1/);
    // two documents each signed by both still make two functionaries
    const r2 = await run(buildLayout([bob, carl], 2), new MemoryEvidence().add('build', both).add('build', await legacyLink([carl, bob])));
    assert.equal(r2.verdict, 'pass');
  });

  it('counts an owner key listed under both its keyids once toward a trust root threshold', async () => {
    const modern = [...owner.publicKey.keyIds].find((id) => id !== owner.publicKey.keyId)!;
    const twin = publicKeyFromDict({ ...keyDict(owner.publicKey), keyid: modern });
    const body = buildLayout([bob], 1);
    const r = await verifyLayout({
      layout: await signLayoutBody(body, [owner]), layoutKeys: [owner.publicKey, twin], layoutThreshold: 2,
      evidence: new MemoryEvidence().add('build', await legacyLink([bob])),
    });
    assert.equal(r.verdict, 'fail');
    assert.equal(r.failure?.check, 'layout-signatures');
    assert.match(r.failure!.message, /signed by 1 of the trusted owner keys/);
  });
});

describe('dates parse strictly', () => {
  it('refuses a trust root whose expiry is not a date (month 13) instead of never expiring', async () => {
    const a = key('owner');
    const root: TrustRoot = { ...makeRoot(1, { keys: [a.publicKey], threshold: 1, expires: expiryIn(1) }), expires: '2020-13-01T00:00:00Z' };
    const envelope = await signRoot(root, [a]);
    const stored = { envelope, digest: digestOf(JSON.stringify(envelope)) };
    await assertCairnError(() => walkTrustChain(stored, { fetchVersion: async () => undefined, listVersions: async () => [1] }), 'SCHEMA_INVALID', /expires/);
    assertCairnErrorSync(() => verifyPinnedRoot(stored), 'SCHEMA_INVALID', /expires/);
  });

  it('refuses a layout whose expiry is February 30th', async () => {
    const body = { ...buildLayout([bob], 1), expires: '2099-02-30T00:00:00Z' };
    await assertCairnError(() => run(body, new MemoryEvidence()), 'SCHEMA_INVALID', /expires/);
  });
});

describe('canonical JSON as securesystemslib writes it', () => {
  it('keeps an integer beyond 2^53 exact, so that a link holding one verifies', async () => {
    const big = 2n ** 60n + 1n;
    const signed = { ...(makeLink({ name: 'build', products: src }) as unknown as Record<string, unknown>) };
    signed['byproducts'] = { 'return-value': 0, stdout: '', stderr: '', big: '@BIG@' };
    const text = canonicalJson(signed).replace('"@BIG@"', big.toString());
    const sig = signBytes(bob, Buffer.from(text, 'utf8')).toString('hex');
    const file = `{"signatures":[{"keyid":"${bob.publicKey.keyId}","sig":"${sig}"}],"signed":${text}}`;
    const doc = readSignedDocument(file);
    assert.ok(doc.format === 'legacy');
    assert.equal(canonicalBytes(doc.metablock.signed).toString('utf8'), text);
    const r = await run(buildLayout([bob], 1), new MemoryEvidence().add('build', doc));
    assert.equal(r.verdict, 'pass', r.failure?.message);
  });

  it('refuses a float written as 1.0 that the signature covers as 1 (securesystemslib cannot encode floats)', async () => {
    const doc = await legacyLink([bob], { 'return-value': 1, stdout: '', stderr: '' });
    const text = serializeDocument(doc).replace('"return-value": 1', '"return-value": 1.0');
    assert.ok(text.includes('1.0'));
    const r = await run(buildLayout([bob], 1), new MemoryEvidence().add('build', readSignedDocument(text)));
    assert.equal(r.verdict, 'fail');
  });

  it('refuses a string holding a lone surrogate instead of signing or checking U+FFFD', async () => {
    assertCairnErrorSync(() => canonicalBytes({ a: 'x\uD800' }), 'SCHEMA_INVALID', /surrogate/);
    assertCairnErrorSync(() => canonicalBytes({ ['\uDC00']: 1 }), 'SCHEMA_INVALID', /surrogate/);
    // signed over the U+FFFD the old encoder wrote; the file holds \ud800
    const signed = { ...(makeLink({ name: 'build', products: src }) as unknown as Record<string, unknown>), command: ['x\uFFFD'] };
    const mb = signMetablock(signed, [bob]);
    const text = JSON.stringify(mb).replace('x\uFFFD', 'x\\ud800');
    const r = await run(buildLayout([bob], 1), new MemoryEvidence().add('build', readSignedDocument(text)));
    assert.equal(r.verdict, 'fail');
  });
});
