// Moved from test/unit/policy/attributes.test.ts (issue 14: policy/ split into verify/, image-verify/, author/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey, keyDict, type PrivateKey } from '../../../src/crypto/index.js';
import { makeLink, makeStatement, signLink, signMetablock, signStatement, type SignedDocument } from '../../../src/intoto/index.js';
import { MemoryStore } from '../../../src/oci/index.js';
import { attach } from '../../../src/attest/index.js';
import { verifyImage } from '../../../src/image-verify/index.js';
import { sha256Hex } from '../../../src/digest/index.js';
import { isCairnError } from '../../../src/errors.js';
import { buildImage, pushImage } from '../../helpers/image.js';
import type { Descriptor } from '../../../src/schema/index.js';
import { readJson } from '../attributes/fixtures.js';

// Attribute rules in verification: a layout whose rules the evidence breaks must fail (before
// this, Cairn dropped `expected_attributes` and passed), with the step, rule, evidence and value
// in the failure; the rules see the image being verified; a rule that does not parse refuses
// the layout; inspections' rules see what they recorded.

const SLSA = 'https://slsa.dev/provenance/v1';
const BUILDER = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_go_slsa3.yml@refs/tags/v0.0.1';

function layout(owner: PrivateKey, dev: PrivateKey, rules: { build?: unknown[]; provenance?: unknown[]; image?: unknown[] }): SignedDocument {
  const fid = dev.publicKey.keyId;
  const signed = {
    _type: 'layout', expires: '2099-01-01T00:00:00Z', readme: '', keys: { [fid]: keyDict(dev.publicKey) },
    steps: [
      { _type: 'step', name: 'build', threshold: 1, pubkeys: [fid], expected_command: ['make'], expected_materials: [], expected_products: [['ALLOW', '*']], ...(rules.build ? { expected_attributes: rules.build } : {}) },
      { _type: 'step', name: 'provenance', threshold: 1, pubkeys: [fid], expected_command: [], expected_materials: [['ALLOW', '*']], expected_products: [['ALLOW', '*']], expected_predicate_type: SLSA, ...(rules.provenance ? { expected_attributes: rules.provenance } : {}) },
    ],
    inspect: [{
      _type: 'inspection', name: 'image', run: ['cairn:image'], expected_materials: [['ALLOW', '*']], expected_products: [['ALLOW', '*']],
      ...(rules.image ? { expected_attributes: rules.image } : {}),
    }],
  };
  return { format: 'legacy', metablock: signMetablock(signed, [owner]) };
}

async function evidence(store: MemoryStore, image: Descriptor, dev: PrivateKey, builder = BUILDER, command = ['make']): Promise<void> {
  await attach(store, image, await signLink(makeLink({ name: 'build', command, products: { 'app/bin': { sha256: sha256Hex('bin') } } }), [dev], 'dsse'));
  const st = readJson('slsa-provenance-v1.statement.json') as any;
  st.predicate.runDetails.builder.id = builder;
  // Cairn's artifact mapping (ITE-10) needs a digest on every resolved dependency; the
  // upstream example's runner image has none
  st.predicate.buildDefinition.resolvedDependencies = st.predicate.buildDefinition.resolvedDependencies.slice(0, 1);
  await attach(store, image, await signStatement(makeStatement([{ name: 'app', digest: { sha256: image.digest.slice(7) } }], SLSA, st.predicate), [dev]));
}

describe('verification with attribute rules', () => {
  const owner = generateKey('ed25519');
  const dev = generateKey('ed25519');
  const rules = {
    build: ["command == ['make']", "predicateType == 'https://in-toto.io/attestation/link/v0.3'"],
    provenance: [{ rule: `predicate.runDetails.builder.id == '${BUILDER}'`, message: 'built by the trusted builder' }, 'subject.exists(s, "sha256:" + s.digest.sha256 == image.digest)'],
    image: ["products.exists(p, p == '/oci/manifest')", "image.digest.startsWith('sha256:')"],
  };

  it('passes when every rule holds, and reports each item\'s rules', async () => {
    const store = new MemoryStore();
    const image = await pushImage(store, await buildImage('attr-ok'));
    await evidence(store, image, dev);
    const r = await verifyImage({ store, subject: image, layout: layout(owner, dev, rules), layoutKeys: [owner.publicKey] });
    assert.equal(r.verdict, 'pass', r.platforms[0]!.report.failure?.message);
    const checks = r.platforms[0]!.report.checks.filter((c) => c.check === 'step-attributes' || c.check === 'inspection-attributes');
    assert.deepEqual(checks.map((c) => `${c.item} ${c.verdict}`), ['build pass', 'provenance pass', 'image pass']);
  });

  it('fails when the provenance names another builder, naming step, rule, evidence and value', async () => {
    const store = new MemoryStore();
    const image = await pushImage(store, await buildImage('attr-evil'));
    await evidence(store, image, dev, 'https://evil.example/builder');
    const r = await verifyImage({ store, subject: image, layout: layout(owner, dev, rules), layoutKeys: [owner.publicKey] });
    assert.equal(r.verdict, 'fail');
    const f = r.platforms[0]!.report.failure!;
    assert.equal(f.check, 'step-attributes');
    assert.equal(f.item, 'provenance');
    assert.equal(f.rule, `predicate.runDetails.builder.id == '${BUILDER}'`);
    assert.match(f.message, /^built by the trusted builder \(rule ".*"\) failed on .*sha256:[0-9a-f]+.*: false, where predicate\.runDetails\.builder\.id is "https:\/\/evil\.example\/builder"$/);
    // inspections never run after a failure
    assert.equal(r.platforms[0]!.report.checks.some((c) => c.check === 'inspection-run'), false);
  });

  it('fails when a link ran another command', async () => {
    const store = new MemoryStore();
    const image = await pushImage(store, await buildImage('attr-cmd'));
    await evidence(store, image, dev, BUILDER, ['make', 'EVIL=1']);
    const r = await verifyImage({ store, subject: image, layout: layout(owner, dev, rules), layoutKeys: [owner.publicKey] });
    assert.equal(r.verdict, 'fail');
    assert.equal(r.platforms[0]!.report.failure!.item, 'build');
    assert.match(r.platforms[0]!.report.failure!.message, /command is \["make","EVIL=1"\]/);
  });

  it('fails an inspection whose rule does not hold over the image', async () => {
    const store = new MemoryStore();
    const image = await pushImage(store, await buildImage('attr-insp'));
    await evidence(store, image, dev);
    const r = await verifyImage({ store, subject: image, layout: layout(owner, dev, { image: ["!products.exists(p, p == '/oci/config')"] }), layoutKeys: [owner.publicKey] });
    assert.equal(r.verdict, 'fail');
    assert.equal(r.platforms[0]!.report.failure!.check, 'inspection-attributes');
    assert.equal(r.platforms[0]!.report.failure!.item, 'image');
  });

  it('refuses a layout whose rule does not parse, or asks a failing rule to pass', async () => {
    const store = new MemoryStore();
    const image = await pushImage(store, await buildImage('attr-bad'));
    await evidence(store, image, dev);
    for (const [bad, re] of [['command ==', /steps\[0\]\.expected_attributes\[0\]: CEL: /], [{ rule: 'false', allowIfNoClaim: true }, /"allowIfNoClaim" is not supported/]] as const) {
      await assert.rejects(verifyImage({ store, subject: image, layout: layout(owner, dev, { build: [bad] }), layoutKeys: [owner.publicKey] }), (err: unknown) => {
        assert.ok(isCairnError(err, 'SCHEMA_INVALID'), String(err));
        assert.match(err.message, re);
        return true;
      });
    }
  });
});
