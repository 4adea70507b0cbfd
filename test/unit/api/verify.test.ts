import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey } from '../../../src/crypto/index.js';
import { makeStatement, serializeDocument, signStatement } from '../../../src/intoto/index.js';
import { MemoryStore } from '../../../src/oci/index.js';
import { attach, pushLayout } from '../../../src/attest/index.js';
import { findSummary, preparePolicy, type GatePolicy } from '../../../src/gate/index.js';
import { verifyImageWithLayout, verifyLinkDir, type VerifyContext } from '../../../src/api/verify.js';
import { CairnError } from '../../../src/errors.js';
import { buildImage, pushImage } from '../../helpers/image.js';
import { layoutBody, signLayoutBody } from '../verify/fixtures.js';

// The facade's verification takes its stores, its files and its clock as parameters (as tuf-js
// takes its fetcher), so a server and a test run it unchanged: here with no disk and no network.
// And `cairn verify IMAGE --summary-key` signs summaries a gate with the same policy accepts.

const SBOM = 'https://spdx.dev/Document';
const owner = generateKey('ed25519');
const dev = generateKey('ed25519');
const summaryKey = generateKey('ed25519');

async function setup() {
  const store = new MemoryStore();
  const image = await pushImage(store, await buildImage('api1'));
  // the SBOM step's Statement names the image: the layout binds it
  await attach(store, image, await signStatement(makeStatement([{ name: 'image', digest: { sha256: image.digest.slice(7) } }], SBOM, { spdxVersion: 'SPDX-2.3' }), [dev]));
  const body = layoutBody([{ name: 'sbom', keys: [dev.publicKey], products: [['ALLOW', '*']], extra: { expected_predicate_type: SBOM } }], [], { expires: '2030-01-01T00:00:00Z' });
  const doc = await signLayoutBody(body, [owner]);
  const bytes = Buffer.from(serializeDocument(doc));
  const files = new Map([['mem/root.layout', bytes]]);
  const read = (path: string) => {
    const b = files.get(path);
    if (!b) throw new CairnError('FILE_NOT_FOUND', 'not in memory', { where: path });
    return b;
  };
  const layoutDigest = (await pushLayout(store, doc, bytes, 'v1', 'root.layout')).digest;
  const context = (now: string): VerifyContext => ({ openStore: async () => store, readFile: read, now: () => new Date(now) });
  return { store, image, layoutDigest, context };
}

describe('api: verification with injected stores, files and clock', () => {
  it('verifies an image from a layout file it reads through the FileReader, at the injected time', async () => {
    const { image, context } = await setup();
    const at = (now: string) => verifyImageWithLayout({
      ...context(now),
      image: `reg.example/app@${image.digest}`,
      layout: { file: 'mem/root.layout' },
      signers: { kind: 'keys', keys: [owner.publicKey] },
      inspections: { workDir: '.' },
    });
    const r = await at('2029-06-01T00:00:00Z');
    assert.equal(r.verdict.verdict, 'pass', JSON.stringify(r.verification.platforms[0]?.report.failure));
    assert.equal(r.layout.origin, 'mem/root.layout');
    // the clock decides expiry: the same inputs a year later fail
    const late = await at('2031-06-01T00:00:00Z');
    assert.equal(late.verdict.verdict, 'fail');
    assert.match(late.verification.platforms[0]!.report.failure?.message ?? '', /expired/);
  });

  it('reads the layout of a link-directory verification through the FileReader, never the disk', async () => {
    const { context } = await setup();
    await assert.rejects(
      verifyLinkDir({ ...context('2029-06-01T00:00:00Z'), layoutFile: 'mem/missing.layout', signers: { kind: 'keys', keys: [owner.publicKey] }, inspections: { workDir: '.' } }),
      (e: CairnError) => e.code === 'FILE_NOT_FOUND' && e.message === 'mem/missing.layout: not in memory',
    );
  });

  it('signs a summary of a PASS that a gate with the same policy answers from', async () => {
    const { store, image, layoutDigest, context } = await setup();
    const now = '2029-06-01T00:00:00Z';
    const layoutRef = `reg.example/policy@${layoutDigest}`;
    const r = await verifyImageWithLayout({
      ...context(now),
      image: `reg.example/app@${image.digest}`,
      layout: { reference: layoutRef },
      signers: { kind: 'keys', keys: [owner.publicKey] },
      inspections: { workDir: '.' },
      summary: { key: summaryKey, version: '0.1.0' },
    });
    assert.ok(r.summary && 'digest' in r.summary, JSON.stringify(r.summary));
    const policy: GatePolicy = { name: 'prod', layout: layoutRef, signers: { kind: 'keys', keys: [owner.publicKey] }, requireDigest: true };
    const prepared = await preparePolicy(policy, { openStore: async () => store });
    assert.equal(await findSummary(store, image, prepared, { keys: [summaryKey.publicKey], maxAgeMs: 3600_000 }, new Date(now)), r.summary.digest);
  });
});
