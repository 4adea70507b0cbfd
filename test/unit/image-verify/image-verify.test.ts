// Moved from test/unit/policy/image-verify.test.ts (issue 14: policy/ split into verify/, image-verify/, author/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey, keyDict, type PrivateKey } from '../../../src/crypto/index.js';
import { makeLink, signLink, signMetablock, signStatement, makeStatement, type SignedDocument } from '../../../src/intoto/index.js';
import { MemoryStore, EMPTY_BYTES, EMPTY_DESCRIPTOR, encodeJson, OCI_MANIFEST } from '../../../src/oci/index.js';
import { attach, EVIDENCE_ARTIFACT_TYPE, ANNOTATION_STEP, DSSE_ENVELOPE_MEDIA_TYPE } from '../../../src/attest/index.js';
import { addReferrer } from '../../../src/oci/index.js';
import { verifyImage, type ImageVerification } from '../../../src/image-verify/index.js';
import { digestOf, sha256Hex } from '../../../src/digest/index.js';
import { buildImage, pushImage, pushIndex } from '../../helpers/image.js';
import type { Descriptor } from '../../../src/schema/index.js';

// `cairn verify IMAGE` as a library call, on an in-memory store: evidence from referrers, rules
// over the image's files, multi-platform indexes, and the ways evidence must not count.

const SBOM = 'https://spdx.dev/Document';

function layout(owner: PrivateKey, functionary: PrivateKey, extra: { sbom?: boolean } = {}): SignedDocument {
  const fid = functionary.publicKey.keyId;
  const steps: Record<string, unknown>[] = [{
    _type: 'step', name: 'build', threshold: 1, pubkeys: [fid], expected_command: [],
    expected_materials: [], expected_products: [['ALLOW', '*']],
  }];
  if (extra.sbom) steps.push({ _type: 'step', name: 'sbom', threshold: 1, pubkeys: [fid], expected_command: [], expected_materials: [], expected_products: [['ALLOW', '*']], expected_predicate_type: SBOM });
  const signed = {
    _type: 'layout', expires: '2099-01-01T00:00:00Z', readme: '',
    keys: { [fid]: keyDict(functionary.publicKey) },
    steps,
    inspect: [{
      _type: 'inspection', name: 'image', run: ['cairn:image'],
      expected_materials: [['MATCH', 'app/bin', 'WITH', 'PRODUCTS', 'FROM', 'build'], ['ALLOW', 'etc/*'], ['ALLOW', 'app/cache/*'], ['ALLOW', '/oci/*'], ['DISALLOW', '*']],
      expected_products: [['ALLOW', '*']],
    }],
  };
  return { format: 'legacy', metablock: signMetablock(signed, [owner]) };
}

async function buildLink(key: PrivateKey, appBin: string, format: 'legacy' | 'dsse' = 'legacy'): Promise<SignedDocument> {
  return signLink(makeLink({ name: 'build', products: { 'app/bin': { sha256: sha256Hex(appBin) } } }), [key], format);
}

const appBinOf = (seed: string, arch = 'amd64') => `#!/bin/sh\necho ${seed}/${arch}\n`;

function verdictOf(r: ImageVerification): string {
  return r.platforms.map((p) => `${p.platform ?? 'image'}:${p.report.verdict}`).join(' ');
}

describe('verifyImage', () => {
  const owner = generateKey('ed25519');
  const dev = generateKey('ed25519');

  it('passes when the image file matches the attested product, and fails when it does not', async () => {
    const store = new MemoryStore();
    const image = await pushImage(store, await buildImage('one'));
    await attach(store, image, await buildLink(dev, appBinOf('one')));
    const ok = await verifyImage({ store, subject: image, layout: layout(owner, dev), layoutKeys: [owner.publicKey] });
    assert.equal(ok.verdict, 'pass', JSON.stringify(ok.platforms[0]!.report.failure));

    const other = await pushImage(store, await buildImage('two'));
    await attach(store, other, await buildLink(dev, appBinOf('one'))); // the link of another image
    const bad = await verifyImage({ store, subject: other, layout: layout(owner, dev), layoutKeys: [owner.publicKey] });
    assert.equal(bad.verdict, 'fail');
    assert.equal(bad.platforms[0]!.report.failure?.item, 'image');
    assert.match(bad.platforms[0]!.report.failure!.message, /DISALLOW \* rejected app\/bin/);
  });

  it('reports and ignores a broken referrer instead of failing on it', async () => {
    const store = new MemoryStore({ referrers: false });
    const image = await pushImage(store, await buildImage('three'));
    await attach(store, image, await buildLink(dev, appBinOf('three'), 'dsse'));
    // garbage pushed next to the image, annotated as evidence for the step
    const layer = Buffer.from('{"payload": "not base64!", "payloadType": "x", "signatures": []}');
    const layerDesc = { mediaType: DSSE_ENVELOPE_MEDIA_TYPE, digest: digestOf(layer), size: layer.length };
    const m = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: EVIDENCE_ARTIFACT_TYPE, config: EMPTY_DESCRIPTOR, layers: [layerDesc], subject: image, annotations: { [ANNOTATION_STEP]: 'build' } });
    await store.push(EMPTY_DESCRIPTOR, EMPTY_BYTES);
    await store.push(layerDesc, layer);
    await store.push(m.desc, m.bytes);
    await addReferrer(store, image, { ...m.desc, artifactType: EVIDENCE_ARTIFACT_TYPE, annotations: { [ANNOTATION_STEP]: 'build' } });
    const r = await verifyImage({ store, subject: image, layout: layout(owner, dev), layoutKeys: [owner.publicKey] });
    assert.equal(r.verdict, 'pass');
    const notes = r.platforms[0]!.report.checks.find((c) => c.check === 'step-evidence')!.evidence!;
    assert.equal(notes.filter((n) => n.accepted).length, 1);
    assert.match(notes.find((n) => !n.accepted)!.note!, /^ignored, unreadable: /);
  });

  it('verifies every platform of an index, counts evidence on the index for each, and says so', async () => {
    const store = new MemoryStore();
    const { index, platforms } = await pushIndex(store, 'multi');
    // one link per platform would be needed for app/bin; evidence on the index counts for both
    await attach(store, index, await buildLink(dev, appBinOf('multi', 'amd64')));
    const r = await verifyImage({ store, subject: index, layout: layout(owner, dev), layoutKeys: [owner.publicKey] });
    assert.equal(verdictOf(r), 'linux/amd64:pass linux/arm64/v8:fail');
    assert.ok(r.notes.some((n) => n.includes('hang off the index') && n.includes('count for every platform')), r.notes.join('\n'));
    const one = await verifyImage({ store, subject: index, platform: 'linux/amd64', layout: layout(owner, dev), layoutKeys: [owner.publicKey] });
    assert.equal(verdictOf(one), 'linux/amd64:pass');
    // the platform manifest alone does not see the index's evidence, and the note says where to look
    const alone = await verifyImage({ store, subject: platforms[0]!, layout: layout(owner, dev), layoutKeys: [owner.publicKey] });
    assert.equal(alone.verdict, 'fail');
    assert.ok(alone.notes.some((n) => n.includes('verify the index digest instead')));
  });

  it('does not count a Statement about another image', async () => {
    const store = new MemoryStore();
    const image = await pushImage(store, await buildImage('four'));
    const other = await pushImage(store, await buildImage('five'));
    await attach(store, image, await buildLink(dev, appBinOf('four')));
    const about = (d: Descriptor) => signStatement(makeStatement([{ name: 'app', digest: { sha256: d.digest.slice(7) } }], SBOM, { spdxVersion: 'SPDX-2.3' }), [dev]);
    await attach(store, image, await about(other));
    const r = await verifyImage({ store, subject: image, layout: layout(owner, dev, { sbom: true }), layoutKeys: [owner.publicKey] });
    assert.equal(r.verdict, 'fail');
    assert.match(r.platforms[0]!.report.failure!.message, /not about this image/);
    await attach(store, image, await about(image));
    const ok = await verifyImage({ store, subject: image, layout: layout(owner, dev, { sbom: true }), layoutKeys: [owner.publicKey] });
    assert.equal(ok.verdict, 'pass', ok.platforms[0]!.report.failure?.message);
  });

  it('never counts a link signed by a revoked key, and says why', async () => {
    const store = new MemoryStore();
    const image = await pushImage(store, await buildImage('six'));
    await attach(store, image, await buildLink(dev, appBinOf('six')));
    const r = await verifyImage({ store, subject: image, layout: layout(owner, dev), layoutKeys: [owner.publicKey], revoked: (k) => k.fingerprint === dev.publicKey.fingerprint });
    assert.equal(r.verdict, 'fail');
    assert.match(r.platforms[0]!.report.failure!.message, /signed only by revoked key/);
  });

  it('accepts a layout signed by a threshold of owner keys', async () => {
    const store = new MemoryStore();
    const image = await pushImage(store, await buildImage('seven'));
    await attach(store, image, await buildLink(dev, appBinOf('seven')));
    const o2 = generateKey('ed25519');
    const o3 = generateKey('ed25519');
    const owners = [owner.publicKey, o2.publicKey, o3.publicKey];
    const signedByOne = layout(owner, dev);
    const one = await verifyImage({ store, subject: image, layout: signedByOne, layoutKeys: owners, layoutThreshold: 2 });
    assert.equal(one.verdict, 'fail');
    assert.match(one.platforms[0]!.report.failure!.message, /signed by 1 of the trusted owner keys .*needs 2/);
    const m = signedByOne.format === 'legacy' ? signedByOne.metablock : undefined;
    const two: SignedDocument = { format: 'legacy', metablock: { signed: m!.signed, signatures: [...m!.signatures, ...signMetablock(m!.signed, [o3]).signatures] } };
    const ok = await verifyImage({ store, subject: image, layout: two, layoutKeys: owners, layoutThreshold: 2 });
    assert.equal(ok.verdict, 'pass', ok.platforms[0]!.report.failure?.message);
  });
});
