import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { identityMatches, loadSigstoreTrustedRoot, readSigstoreBundle, verifySigstoreBundle } from '../../../src/sigstore/index.js';
import { assertCairnErrorSync } from '../../helpers/assert.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { mockSigstore, TEST_IDENTITY, TEST_ISSUER } from '../../helpers/sigstore-mock.js';

// Keyless Sigstore bundles verified offline: a real bundle from the Sigstore conformance suite
// against the public-good trusted root (sigstore-python's copy), and bundles from a private
// Sigstore made with @sigstore/mock. testdata/README.md names the sources.

const DATA = join(REPO_ROOT, 'testdata', 'ecosystem');
const json = (f: string) => JSON.parse(readFileSync(join(DATA, f), 'utf8'));
const REAL_BUNDLE = 'sigstore-conformance-happy-path-intoto-in-dsse-v3.sigstore.json';
const BEACON = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const GHA = 'https://token.actions.githubusercontent.com';

// Any attempt to open a socket or make a request fails the test that made it.
function forbidNetwork<T>(fn: () => T): T {
  const saved = [net.Socket.prototype.connect, http.request, https.request, tls.connect, globalThis.fetch] as const;
  const boom = () => {
    throw new Error('network call during offline verification');
  };
  net.Socket.prototype.connect = boom as never;
  (http as { request: unknown }).request = boom;
  (https as { request: unknown }).request = boom;
  (tls as { connect: unknown }).connect = boom;
  globalThis.fetch = boom as never;
  try {
    return fn();
  } finally {
    net.Socket.prototype.connect = saved[0];
    (http as { request: unknown }).request = saved[1];
    (https as { request: unknown }).request = saved[2];
    (tls as { connect: unknown }).connect = saved[3];
    globalThis.fetch = saved[4];
  }
}

describe('Sigstore bundles, verified offline', () => {
  const publicGood = loadSigstoreTrustedRoot(json('sigstore-public-good-trusted_root.json'), 'public-good trusted_root.json');

  it('verifies a real public-good bundle against the public-good trusted root, with no network call', () => {
    const facts = readSigstoreBundle(json(REAL_BUNDLE));
    assert.equal(facts.content, 'dsse-envelope');
    assert.deepEqual(facts.certificate, { subjectAlternativeName: BEACON, issuer: GHA });
    assert.throws(() => forbidNetwork(() => http.request('http://127.0.0.1:1/')), /network call/); // the guard bites
    const v = forbidNetwork(() => verifySigstoreBundle(facts, publicGood));
    assert.deepEqual(v.identity, { subjectAlternativeName: BEACON, issuer: GHA });
    assert.ok(identityMatches(v.identity, { subjectAlternativeName: BEACON, issuer: GHA }));
    assert.ok(identityMatches(v.identity, { subjectAlternativeNameRegexp: 'https://github\\.com/sigstore-conformance/.*', issuer: GHA }));
  });

  it('refuses a wrong identity, a wrong issuer, and a regexp that matches only part of the SAN', () => {
    const v = verifySigstoreBundle(readSigstoreBundle(json(REAL_BUNDLE)), publicGood);
    assert.ok(!identityMatches(v.identity, { subjectAlternativeName: TEST_IDENTITY, issuer: GHA }));
    assert.ok(!identityMatches(v.identity, { subjectAlternativeName: BEACON, issuer: 'https://accounts.google.com' }));
    assert.ok(!identityMatches(v.identity, { subjectAlternativeNameRegexp: 'sigstore-conformance', issuer: GHA }));
    assert.ok(!identityMatches(v.identity, { issuer: GHA }), 'an issuer alone is no identity');
  });

  it('refuses the real bundle against a trusted root that does not list its CA and log', async () => {
    const mock = await mockSigstore();
    const untrusted = loadSigstoreTrustedRoot(mock.trustedRoot, 'mock trusted_root.json');
    assertCairnErrorSync(() => verifySigstoreBundle(readSigstoreBundle(json(REAL_BUNDLE)), untrusted), 'SIGNATURE_INVALID', /does not verify against mock trusted_root\.json/);
  });

  it('refuses a bundle whose payload was changed after signing', () => {
    const b = json(REAL_BUNDLE);
    const stmt = JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString());
    stmt.subject[0].digest.sha256 = 'f'.repeat(64);
    b.dsseEnvelope.payload = Buffer.from(JSON.stringify(stmt)).toString('base64');
    assertCairnErrorSync(() => verifySigstoreBundle(readSigstoreBundle(b), publicGood), 'SIGNATURE_INVALID');
  });

  it('verifies a keyless bundle from a private Sigstore (mock CA and log) against its trusted root only', async () => {
    const mock = await mockSigstore();
    const bundle = await mock.sign(Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}'), 'application/vnd.in-toto+json');
    const root = loadSigstoreTrustedRoot(mock.trustedRoot, 'mock');
    const v = forbidNetwork(() => verifySigstoreBundle(readSigstoreBundle(bundle), root));
    assert.deepEqual(v.identity, { subjectAlternativeName: TEST_IDENTITY, issuer: TEST_ISSUER });
    assertCairnErrorSync(() => verifySigstoreBundle(readSigstoreBundle(bundle), publicGood), 'SIGNATURE_INVALID');
  });

  it('says clearly when a file is not a trusted root or not a bundle', () => {
    assertCairnErrorSync(() => loadSigstoreTrustedRoot({ mediaType: 'x' }, 'root.json'), 'TRUST_ROOT_INVALID', /root\.json: not a Sigstore trusted root/);
    assertCairnErrorSync(() => readSigstoreBundle({ hello: 1 }, 'b.json'), 'SCHEMA_INVALID', /b\.json: not a Sigstore bundle/);
  });
});
