import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyDict, keySigner, keyVerifier } from '../../../src/crypto/index.js';
import { INTOTO_PAYLOAD_TYPE, signEnvelope } from '../../../src/dsse/index.js';
import { makeLink, metablockSigners, serializeDocument, signLink, type RawMetablock } from '../../../src/intoto/index.js';
import { DirectoryEvidenceSource } from '../../../src/evidence/index.js';
import { verifyLayout, type VerificationReport } from '../../../src/verify/index.js';
import { arts, key, layoutBody, link, MemoryEvidence, signLayoutBody } from '../verify/fixtures.js';
import { tmpDir } from '../../helpers/tmp.js';

// Issue 9, signature confusion, beyond what test/unit/dsse and test/unit/policy already cover
// (payloadType changed after signing, duplicate DSSE signatures, a lying keyid hint at the DSSE
// level, a link for another step, a layout keyid that is not its key): the same key under its
// two keyids, duplicate Metablock signatures, a signed non-in-toto payload, a keyid hint that
// names the authorised functionary, and a link file whose name lies about its step.

const owner = key('owner');
const bob = key('bob');
const carl = key('carl');
const eve = key('eve');
const src = arts({ 'src/a.py': 'a' });

function oneStep(pubkeys: string[], threshold: number, extraKeys: Record<string, unknown> = {}): Record<string, unknown> {
  const body = layoutBody([{ name: 'build', keys: [bob.publicKey], threshold, products: [['CREATE', 'src/*'], ['DISALLOW', '*']] }]);
  (body['steps'] as { pubkeys: string[] }[])[0]!.pubkeys = pubkeys;
  Object.assign(body['keys'] as Record<string, unknown>, extraKeys);
  return body;
}

async function run(body: Record<string, unknown>, evidence: MemoryEvidence | DirectoryEvidenceSource): Promise<VerificationReport> {
  return verifyLayout({ layout: await signLayoutBody(body, [owner]), layoutKeys: [owner.publicKey], evidence });
}

describe('signature confusion', () => {
  it('counts one key once toward a threshold, even listed under both its keyids', async () => {
    const legacy = bob.publicKey.keyId;
    const modern = [...bob.publicKey.keyIds].find((id) => id !== legacy) as string;
    assert.ok(modern);
    const body = oneStep([legacy, modern], 2, { [modern]: keyDict(bob.publicKey) });
    const ev = new MemoryEvidence().add('build', await link('build', bob, {}, src)).add('build', await link('build', bob, {}, src, 'dsse'));
    const r = await run(body, ev);
    assert.equal(r.verdict, 'fail');
    assert.equal(r.failure?.check, 'step-evidence');
    assert.match(r.failure!.message, /needs 2 authorised functionaries, found 1/);
  });

  it('counts a Metablock signature repeated, or repeated under another keyid, once', async () => {
    const doc = await signLink(makeLink({ name: 'build', products: src }), [bob], 'legacy');
    assert.ok(doc.format === 'legacy');
    const sig = doc.metablock.signatures[0]!;
    const tripled: RawMetablock = { ...doc.metablock, signatures: [sig, sig, { ...sig, keyid: carl.publicKey.keyId }] } as RawMetablock;
    assert.equal(metablockSigners(tripled, [keyVerifier(bob.publicKey), keyVerifier(carl.publicKey)]).length, 1);
  });

  it('does not count a link signed correctly under a payloadType that is not in-toto', async () => {
    const body = Buffer.from(JSON.stringify(makeLink({ name: 'build', products: src })));
    const envelope = await signEnvelope('text/plain', body, [keySigner(bob)]);
    const r = await run(oneStep([bob.publicKey.keyId], 1), new MemoryEvidence().add('build', { format: 'dsse', envelope }));
    assert.equal(r.verdict, 'fail');
    assert.match(r.failure!.message, /payloadType "text\/plain" is not an in-toto type/);
    const fine = await signEnvelope(INTOTO_PAYLOAD_TYPE, body, [keySigner(bob)]);
    assert.equal((await run(oneStep([bob.publicKey.keyId], 1), new MemoryEvidence().add('build', { format: 'dsse', envelope: fine }))).verdict, 'pass');
  });

  it('does not count an outsider\'s signature whose keyid hint names the authorised functionary', async () => {
    for (const format of ['legacy', 'dsse'] as const) {
      const forged = await signLink(makeLink({ name: 'build', products: src }), [eve], format);
      if (forged.format === 'legacy') forged.metablock.signatures[0]!.keyid = bob.publicKey.keyId;
      else forged.envelope.signatures[0]!.keyid = bob.publicKey.keyId;
      const r = await run(oneStep([bob.publicKey.keyId], 1), new MemoryEvidence().add('build', forged));
      assert.equal(r.verdict, 'fail', format);
      assert.match(r.failure!.message, /no valid signature by a key authorised for this step/);
    }
  });

  it('does not count a link file whose name says one step when the signed link records another', async () => {
    const dir = tmpDir('cairn-confusion-');
    const body = layoutBody([{ name: 'build', keys: [bob.publicKey], products: [['ALLOW', '*']] }, { name: 'test', keys: [bob.publicKey], products: [['ALLOW', '*']] }]);
    writeFileSync(join(dir, `build.${bob.publicKey.keyId.slice(0, 8)}.link`), serializeDocument(await link('test', bob, {}, src)));
    writeFileSync(join(dir, `test.${bob.publicKey.keyId.slice(0, 8)}.link`), serializeDocument(await link('test', bob, {}, src)));
    const r = await run(body, new DirectoryEvidenceSource(dir));
    assert.equal(r.verdict, 'fail');
    assert.equal(r.failure?.item, 'build');
    assert.match(r.failure!.message, /a link for step "test"/);
  });
});
