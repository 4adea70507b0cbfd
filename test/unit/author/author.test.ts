// Moved from test/unit/policy/author.test.ts (issue 14: policy/ split into verify/, image-verify/, author/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { keyVerifier } from '../../../src/crypto/index.js';
import { readSignedDocument, serializeDocument, verifyDocument, type SignedDocument } from '../../../src/intoto/index.js';
import { parseExpiry, signLayout } from '../../../src/author/index.js';
import { assertCairnError } from '../../helpers/assert.js';
import { key, layoutBody } from '../verify/fixtures.js';

const alice = key('alice');
const owner2 = key('owner2');
const bob = key('bob');
const body = () => ({ ...layoutBody([{ name: 'a', keys: [bob.publicKey], products: [['ALLOW', '*']] }]), rootcas: {}, x_custom: { kept: true } });

function signers(doc: SignedDocument): string[] {
  const back = readSignedDocument(serializeDocument(doc)); // through the file format
  return verifyDocument(back, [alice, owner2].map((k) => keyVerifier(k.publicKey))).signers.map((k) => k.keyId).sort();
}

describe('signLayout', () => {
  for (const format of ['legacy', 'dsse'] as const) {
    it(`signs a bare layout as ${format}, keeps unknown fields, and adds a second owner without dropping the first`, async () => {
      const first = await signLayout(body(), [alice], { format });
      assert.equal(first.document.format, format);
      const json = JSON.parse(serializeDocument(first.document));
      const second = await signLayout(json, [owner2]);
      assert.equal(second.document.format, format, 'the format is kept when not asked to change');
      assert.deepEqual(signers(second.document), [alice.publicKey.keyId, owner2.publicKey.keyId].sort());
      const v = verifyDocument(second.document, []);
      assert.deepEqual(v.body['x_custom'], { kept: true });
      assert.deepEqual(v.body['rootcas'], {});
      const again = await signLayout(JSON.parse(serializeDocument(second.document)), [alice]);
      const count = again.document.format === 'legacy' ? again.document.metablock.signatures.length : again.document.envelope.signatures.length;
      assert.equal(count, 2, 're-signing replaces the signer\'s own signature');
    });
  }

  it('sets expires before signing, and warns that other signatures no longer hold', async () => {
    const both = await signLayout(body(), [alice, owner2]);
    const r = await signLayout(JSON.parse(serializeDocument(both.document)), [alice], { expires: new Date('2031-02-03T04:05:06Z') });
    assert.equal(verifyDocument(r.document, []).body['expires'], '2031-02-03T04:05:06Z');
    assert.deepEqual(signers(r.document), [alice.publicKey.keyId]);
    assert.match(r.warnings[0]!, /1 signature\(s\) by other keys no longer verify/);
    assert.equal(r.document.format === 'legacy' && r.document.metablock.signatures.length, 2, 'kept, not dropped');
  });

  it('refuses to drop other keys\' signatures when changing the format, unless forced', async () => {
    const legacy = await signLayout(body(), [alice]);
    const json = JSON.parse(serializeDocument(legacy.document));
    await assertCairnError(() => signLayout(json, [owner2], { format: 'dsse' }), 'INVALID_ARGUMENT', /drops 1 signature/);
    const forced = await signLayout(json, [owner2], { format: 'dsse', force: true });
    assert.deepEqual(signers(forced.document), [owner2.publicKey.keyId]);
    const own = await signLayout(json, [alice], { format: 'dsse' });
    assert.deepEqual(signers(own.document), [alice.publicKey.keyId]);
  });

  it('refuses to sign a layout with errors', async () => {
    const bad = { ...body(), steps: [{ _type: 'step', name: 'a', pubkeys: [], expected_products: [['ALOW', '*']] }] };
    await assertCairnError(() => signLayout(bad, [alice]), 'SCHEMA_INVALID', /steps\[0\]\.expected_products\[0\]: unknown rule keyword "ALOW"/);
  });

  it('reads durations and dates for --expires', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    assert.equal(parseExpiry('30d', now).toISOString(), '2026-01-31T00:00:00.000Z');
    assert.equal(parseExpiry('12h', now).toISOString(), '2026-01-01T12:00:00.000Z');
    assert.equal(parseExpiry('2030-01-01', now).toISOString(), '2030-01-01T00:00:00.000Z');
    assert.equal(parseExpiry('2030-01-01T10:00:00Z', now).toISOString(), '2030-01-01T10:00:00.000Z');
    assert.throws(() => parseExpiry('soon', now), /give a duration/);
  });
});
