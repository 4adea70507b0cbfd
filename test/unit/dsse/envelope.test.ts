import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pae, parseEnvelope, signEnvelope, verifyEnvelope, envelopeSigners, addSignatures } from '../../../src/dsse/index.js';
import { generateKey, keySigner, keyVerifier, loadPublicKey } from '../../../src/crypto/index.js';
import { UPSTREAM } from '../../helpers/paths.js';
import { assertCairnErrorSync } from '../../helpers/assert.js';

const dsse = (f: string) => readFileSync(join(UPSTREAM, 'dsse', f), 'utf8');

describe('DSSE', () => {
  it('computes the spec PAE test vector', () => {
    assert.equal(
      pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString(),
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
  });

  it('counts bytes, not characters, of a non-ASCII payloadType', () => {
    assert.equal(pae('tÿpe', Buffer.from('x')).toString('utf8'), 'DSSEv1 5 tÿpe 1 x');
  });

  it('verifies the spec envelope in both base64 alphabets and rejects the tampered one', () => {
    const key = keyVerifier(loadPublicKey(dsse('hello-world.p256.pub.pem')));
    for (const f of ['hello-world.envelope.json', 'hello-world.envelope-with-keyid.json', 'hello-world.envelope-urlsafe-b64.json']) {
      const v = verifyEnvelope(parseEnvelope(dsse(f)), [key]);
      assert.equal(v.payload.toString(), 'hello world', f);
    }
    assertCairnErrorSync(() => verifyEnvelope(parseEnvelope(dsse('hello-world.envelope-tampered-payload.json')), [key], 1, 'env'), 'SIGNATURE_INVALID', /^env: /);
  });

  it('counts duplicate signatures by one key once', async () => {
    const k = generateKey('ed25519');
    const env = await signEnvelope('t', Buffer.from('x'), [keySigner(k)]);
    const doubled = { ...env, signatures: [env.signatures[0]!, env.signatures[0]!] };
    assert.equal(envelopeSigners(doubled, [keyVerifier(k.publicKey)]).signers.length, 1);
    assertCairnErrorSync(() => verifyEnvelope(doubled, [keyVerifier(k.publicKey)], 2), 'SIGNATURE_INVALID', /needs 2/);
  });

  it('ignores a lying keyid hint and still finds the signer', async () => {
    const a = generateKey('ed25519');
    const b = generateKey('ecdsa-p256');
    const env = await signEnvelope('t', Buffer.from('x'), [keySigner(a)]);
    env.signatures[0]!.keyid = b.publicKey.keyId;
    const v = envelopeSigners(env, [keyVerifier(b.publicKey), keyVerifier(a.publicKey)]);
    assert.deepEqual(v.signers.map((s) => s.fingerprint), [a.publicKey.fingerprint]);
  });

  it('does not verify when the payloadType is changed after signing', async () => {
    const k = generateKey('ed25519');
    const env = await signEnvelope('application/vnd.in-toto+json', Buffer.from('{}'), [keySigner(k)]);
    assertCairnErrorSync(() => verifyEnvelope({ ...env, payloadType: 'text/plain' }, [keyVerifier(k.publicKey)]), 'SIGNATURE_INVALID');
  });

  it('re-signing replaces the signer\'s old signature and keeps the others', async () => {
    const a = generateKey('ed25519');
    const b = generateKey('rsa');
    const env = await signEnvelope('t', Buffer.from('x'), [keySigner(a), keySigner(b)]);
    const again = await addSignatures(env, [keySigner(a)]);
    assert.equal(again.signatures.length, 2);
    assert.equal(verifyEnvelope(again, [keyVerifier(a.publicKey), keyVerifier(b.publicKey)], 2).signers.length, 2);
  });
});
