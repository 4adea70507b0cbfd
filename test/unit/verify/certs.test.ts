// Moved from test/unit/policy/certs.test.ts (issue 14: policy/ split into verify/, image-verify/, author/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { loadPrivateKey } from '../../../src/crypto/index.js';
import { makeLink, signMetablock, type SignedDocument } from '../../../src/intoto/index.js';
import { chainsToRoot, failureLine, meetsConstraint, verifyLayout } from '../../../src/verify/index.js';
import { UPSTREAM } from '../../helpers/paths.js';
import { arts, key, layoutBody, MemoryEvidence, signLayoutBody } from './fixtures.js';

// ITE-7 with in-toto-golang's own certificate chain (root -> example.com -> write-code leaf,
// SPIFFE URI spiffe://example.com/write-code), as its TestVerifyCertificateTrust uses it.
const DATA = join(UPSTREAM, 'in-toto-golang', 'test', 'data');
const pem = (f: string) => readFileSync(join(DATA, f), 'utf8');
const root = new X509Certificate(pem('root.cert.pem'));
const inter = new X509Certificate(pem('example.com.intermediate.cert.pem'));
const leaf = new X509Certificate(pem('example.com.write-code.cert.pem'));
const ROOT_ID = 'da6360ef818d52b11f891132609f34907bd48521b33fc96927979b7fce876136';
const INTER_ID = 'a6c9536bc35adcd7fefde347b89a6c6d03da63d2955733eb15774b29c7fdb25f';
const NOW = new Date('2026-01-01T00:00:00Z');
const cas = { roots: new Map([[ROOT_ID, root]]), intermediates: [inter] };
const constraint = { common_name: 'write-code.example.com', dns_names: [], emails: [], organizations: ['example'], roots: [ROOT_ID], uris: ['spiffe://example.com/write-code'] };
const caDict = (c: string) => ({ keyid: '', keytype: 'rsa', scheme: 'rsassa-pss-sha256', keyval: { public: '', certificate: pem(c) } });

describe('ITE-7 certificates', () => {
  it('chains the leaf to the root only through the intermediate, and only while valid', () => {
    assert.ok(chainsToRoot(leaf, cas, NOW));
    assert.ok(!chainsToRoot(leaf, { roots: cas.roots, intermediates: [] }, NOW));
    assert.ok(!chainsToRoot(leaf, { roots: new Map(), intermediates: [inter] }, NOW));
    assert.ok(!chainsToRoot(leaf, cas, new Date('2040-01-01T00:00:00Z')));
  });

  it('matches constraints attribute by attribute, as in-toto-golang', () => {
    assert.ok(meetsConstraint(leaf, constraint, [ROOT_ID]));
    assert.ok(meetsConstraint(leaf, { ...constraint, common_name: '*', organizations: ['*'], uris: ['*'], roots: ['*'] }, [ROOT_ID]));
    assert.ok(!meetsConstraint(leaf, { ...constraint, uris: ['spiffe://example.com/other'] }, [ROOT_ID]));
    assert.ok(!meetsConstraint(leaf, { ...constraint, uris: [] }, [ROOT_ID]), 'an empty list allows no value');
    assert.ok(!meetsConstraint(leaf, { ...constraint, organizations: ['example', 'extra'] }, [ROOT_ID]), 'every listed value must be present');
    assert.ok(!meetsConstraint(leaf, { ...constraint, dns_names: ['write-code.example.com'] }, [ROOT_ID]));
    assert.ok(!meetsConstraint(leaf, constraint, [ROOT_ID, 'ff'.repeat(32)]), 'golang compares against every root of the layout');
  });

  it('counts a link signed by a certified key that meets the step\'s constraints', async () => {
    const owner = key('owner');
    const signerKey = loadPrivateKey(pem('example.com.write-code.key.pem'));
    const body = layoutBody([{ name: 'write-code', keys: [key('bob').publicKey], products: [['ALLOW', '*']], extra: { cert_constraints: [constraint] } }], [], {
      rootcas: { [ROOT_ID]: { ...caDict('root.cert.pem'), keyid: ROOT_ID } },
      intermediatecas: { [INTER_ID]: { ...caDict('example.com.intermediate.cert.pem'), keyid: INTER_ID } },
    });
    const mb = signMetablock(makeLink({ name: 'write-code', products: arts({ 'foo.py': 'x' }) }) as unknown as Record<string, unknown>, [signerKey]);
    const withCert: SignedDocument = { format: 'legacy', metablock: { ...mb, signatures: mb.signatures.map((s) => ({ ...s, cert: pem('example.com.write-code.cert.pem') })) } };
    const run = async (doc: SignedDocument, b = body) => verifyLayout({ layout: await signLayoutBody(b, [owner]), layoutKeys: [owner.publicKey], evidence: new MemoryEvidence().add('write-code', doc), now: NOW });
    const ok = await run(withCert);
    assert.equal(ok.verdict, 'pass', failureLine(ok));
    assert.match(ok.checks.find((c) => c.check === 'step-evidence')!.signers![0]!, /^cert:/);
    const noCert = await run({ format: 'legacy', metablock: mb });
    assert.equal(noCert.failure?.check, 'step-evidence');
    const strict = structuredClone(body);
    (strict['steps'] as { cert_constraints: { uris: string[] }[] }[])[0]!.cert_constraints[0]!.uris = ['spiffe://example.com/package'];
    assert.equal((await run(withCert, strict)).failure?.check, 'step-evidence');
  });
});
