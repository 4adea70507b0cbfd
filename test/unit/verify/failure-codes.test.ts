import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verifyLayout, type VerificationReport } from '../../../src/verify/index.js';
import { arts, CannedInspections, key, layoutBody, link, MemoryEvidence, signLayoutBody } from './fixtures.js';

// A failed check says why with an ErrorCode (src/verify/report.ts), the code a program reads
// from `failure.code` in the JSON report. One failure of each kind, each with its code.

const owner = key('owner');
const bob = key('bob');
const carl = key('carl');
const src = arts({ 'src/a.py': 'a' });

const oneStep = (extra: Record<string, unknown> = {}, threshold = 1, inspect: Record<string, unknown>[] = []) =>
  layoutBody([{ name: 'write', keys: [bob.publicKey, carl.publicKey], threshold, products: [['CREATE', 'src/*'], ['DISALLOW', '*']] }], inspect, extra);

async function run(body: Record<string, unknown>, evidence: MemoryEvidence, layoutKeys = [owner.publicKey], inspections?: CannedInspections): Promise<VerificationReport> {
  return verifyLayout({ layout: await signLayoutBody(body, [owner]), layoutKeys, evidence, ...(inspections ? { inspections } : {}) });
}

async function withLink(products = src) {
  return new MemoryEvidence().add('write', await link('write', bob, {}, products));
}

describe('failure codes', () => {
  it('says SIGNATURE_INVALID for a layout a given key did not sign', async () => {
    const r = await run(oneStep(), await withLink(), [owner.publicKey, bob.publicKey]);
    assert.deepEqual([r.failure?.check, r.failure?.code], ['layout-signatures', 'SIGNATURE_INVALID']);
  });

  it('says LAYOUT_EXPIRED for an expired layout', async () => {
    const r = await run(oneStep({ expires: '2020-01-01T00:00:00Z' }), await withLink());
    assert.deepEqual([r.failure?.check, r.failure?.code], ['layout-expiry', 'LAYOUT_EXPIRED']);
  });

  it('says LINK_NOT_FOUND when a step has no evidence at all, THRESHOLD_NOT_MET when too few signed', async () => {
    const none = await run(oneStep(), new MemoryEvidence());
    assert.deepEqual([none.failure?.check, none.failure?.code], ['step-evidence', 'LINK_NOT_FOUND']);
    const short = await run(oneStep({}, 2), await withLink());
    assert.deepEqual([short.failure?.check, short.failure?.code], ['step-evidence', 'THRESHOLD_NOT_MET']);
  });

  it('says VERIFICATION_FAILED when the counted links of a step disagree', async () => {
    const ev = (await withLink()).add('write', await link('write', carl, {}, arts({ 'src/a.py': 'other' })));
    const r = await run(oneStep({}, 2), ev);
    assert.deepEqual([r.failure?.check, r.failure?.code], ['step-agreement', 'VERIFICATION_FAILED']);
  });

  it('says RULE_VIOLATION for a rule that refuses an artifact', async () => {
    const r = await run(oneStep(), await withLink(arts({ 'src/a.py': 'a', 'evil.sh': 'x' })));
    assert.deepEqual([r.failure?.check, r.failure?.code], ['step-rules', 'RULE_VIOLATION']);
  });

  it('says COMMAND_FAILED for an inspection that exits non-zero, UNSUPPORTED when none can run', async () => {
    const inspect = [{ name: 'check', run: ['false'] }];
    const failing = new CannedInspections({ check: { materials: {}, products: {}, returnValue: 1, stderr: 'no' } });
    const r = await run(oneStep({}, 1, inspect), await withLink(), [owner.publicKey], failing);
    assert.deepEqual([r.failure?.check, r.failure?.code], ['inspection-run', 'COMMAND_FAILED']);
    const nowhere = await run(oneStep({}, 1, inspect), await withLink());
    assert.deepEqual([nowhere.failure?.check, nowhere.failure?.code], ['inspection-run', 'UNSUPPORTED']);
  });

  it('gives every failed check a code and no passed check one', async () => {
    const reports = [await run(oneStep(), await withLink()), await run(oneStep({}, 2), await withLink())];
    for (const c of reports.flatMap((r) => r.checks)) assert.equal(c.code !== undefined, c.verdict === 'fail', `${c.check} ${c.verdict}`);
  });
});
