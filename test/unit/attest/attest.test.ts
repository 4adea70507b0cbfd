import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey } from '../../../src/crypto/index.js';
import { makeStatement, readSignedDocument, serializeDocument, signStatement } from '../../../src/intoto/index.js';
import { EMPTY_DESCRIPTOR, fetchManifestNode, listReferrers, MemoryStore } from '../../../src/oci/index.js';
import {
  allReferrers,
  attach,
  discover,
  DSSE_ENVELOPE_MEDIA_TYPE,
  EVIDENCE_ARTIFACT_TYPE,
  LAYOUT_ARTIFACT_TYPE,
  LINK_METABLOCK_MEDIA_TYPE,
  imageStatement,
  predicateTypeOf,
  pullLayout,
  pushLayout,
  readAttachInputs,
} from '../../../src/attest/index.js';
import { UPSTREAM } from '../../helpers/paths.js';
import { assertCairnError, assertCairnErrorSync } from '../../helpers/assert.js';
import { buildImage, pushImage, pushIndex } from '../../helpers/image.js';

// The evidence artifact format, attach (dedupe, both encodings), attach inputs, layouts as
// artifacts, and the discover tree, on in-memory stores.

const LEGACY_LINK = join(UPSTREAM, 'debian-in-toto-1.3.1/cases/ed25519-pass/package.ed845f20.link');
const LAYOUT = join(UPSTREAM, 'debian-in-toto-1.3.1/cases/ed25519-pass/root.layout');

describe('attach', () => {
  it('pushes a DSSE Statement as an artifact with subject, empty config, one layer and annotations', async () => {
    const store = new MemoryStore({ referrers: false });
    const subject = await pushImage(store, await buildImage('attach'), 'v1');
    const key = generateKey('ed25519');
    const doc = await signStatement(imageStatement('app', subject.digest as `sha256:${string}`, 'https://slsa.dev/provenance/v1', { x: 1 }), [key]);
    const r = await attach(store, subject, doc, { step: 'build', created: '2024-01-01T00:00:00Z' });
    const node = await fetchManifestNode(store, r.descriptor);
    assert.equal(node.kind, 'manifest');
    if (node.kind !== 'manifest') return;
    assert.equal(node.manifest.artifactType, EVIDENCE_ARTIFACT_TYPE);
    assert.deepEqual(node.manifest.config, EMPTY_DESCRIPTOR);
    assert.equal(node.manifest.layers.length, 1);
    assert.equal(node.manifest.layers[0]?.mediaType, DSSE_ENVELOPE_MEDIA_TYPE);
    assert.equal(node.manifest.subject?.digest, subject.digest);
    assert.deepEqual(node.manifest.annotations, {
      'org.opencontainers.image.created': '2024-01-01T00:00:00Z',
      'dev.cairn.format': 'dsse',
      'dev.cairn.kind': 'statement',
      'dev.cairn.content.digest': node.manifest.layers[0]?.digest,
      'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v1',
      'dev.cairn.step': 'build',
      'dev.cairn.keyids': key.publicKey.keyId,
    });
    const listed = await listReferrers(store, subject, EVIDENCE_ARTIFACT_TYPE);
    assert.equal(listed[0]?.annotations?.['in-toto.io/predicate-type'], 'https://slsa.dev/provenance/v1');
  });

  it('stores a legacy link Metablock byte for byte, and does not attach it twice', async () => {
    const store = new MemoryStore();
    const subject = await pushImage(store, await buildImage('legacy'), 'v1');
    const [input] = readAttachInputs(LEGACY_LINK);
    assert.ok(input);
    const first = await attach(store, subject, input.document, { bytes: input.bytes });
    const node = await fetchManifestNode(store, first.descriptor);
    assert.ok(node.kind === 'manifest');
    assert.equal(node.manifest.layers[0]?.mediaType, LINK_METABLOCK_MEDIA_TYPE);
    assert.equal(node.manifest.annotations?.['dev.cairn.step'], 'package');
    assert.equal(node.manifest.annotations?.['dev.cairn.format'], 'metablock');
    const second = await attach(store, subject, input.document, { bytes: input.bytes });
    assert.equal(second.existing, true);
    assert.equal(second.descriptor.digest, first.descriptor.digest);
    assert.equal((await listReferrers(store, subject)).length, 1);
    await assertCairnError(() => attach(store, subject, input.document, { bytes: input.bytes, step: 'other' }), 'INVALID_ARGUMENT', /step/);
  });

  it('reads every envelope of a .intoto.jsonl bundle, skipping lines it does not understand', async () => {
    const key = generateKey('ed25519');
    const lines = [];
    for (const i of [1, 2]) lines.push(serializeDocument(await signStatement(makeStatement([{ name: 'a', digest: { sha256: 'ab' } }], 'https://example.com/t', { i }), [key])).trim());
    const path = join(mkdtempSync(join(tmpdir(), 'cairn-bundle-')), 'b.intoto.jsonl');
    writeFileSync(path, `${lines[0]}\n{"unknown":true}\n${lines[1]}\n`);
    const inputs = readAttachInputs(path);
    assert.equal(inputs.length, 2);
    assert.equal(inputs[1]?.source, `${path}:3`);
    assert.deepEqual(readSignedDocument(inputs[0]?.bytes ?? ''), readSignedDocument(lines[0] ?? ''));
  });
});

describe('layouts as artifacts', () => {
  it('round-trips a signed layout and refuses anything else', async () => {
    const store = new MemoryStore();
    const bytes = readFileSync(LAYOUT);
    const desc = await pushLayout(store, readSignedDocument(bytes, LAYOUT), bytes, 'v1', 'root.layout');
    assert.equal((await store.resolve('v1')).digest, desc.digest);
    const pulled = await pullLayout(store, desc);
    assert.deepEqual(pulled.bytes, bytes);
    assert.equal(pulled.title, 'root.layout');
    const node = await fetchManifestNode(store, desc);
    assert.ok(node.kind === 'manifest' && node.manifest.artifactType === LAYOUT_ARTIFACT_TYPE);
    const link = readFileSync(LEGACY_LINK);
    await assertCairnError(() => pushLayout(store, readSignedDocument(link), link, 'bad'), 'SCHEMA_INVALID', /expected a signed layout/);
    const image = await pushImage(store, await buildImage('not-a-layout'));
    await assertCairnError(() => pullLayout(store, image), 'SCHEMA_INVALID', /not a Cairn layout artifact/);
  });
});

describe('discover and predicate types', () => {
  it('shows each platform of an index with its own referrers', async () => {
    const store = new MemoryStore({ referrers: false });
    const { index, platforms } = await pushIndex(store, 'discover', 'v1');
    const [input] = readAttachInputs(LEGACY_LINK);
    assert.ok(input);
    await attach(store, index, input.document, { bytes: input.bytes });
    await attach(store, platforms[1] ?? index, input.document, { bytes: input.bytes });
    const tree = await discover(store, index);
    assert.equal(tree.referrers.length, 1);
    assert.equal(tree.manifests.length, 2);
    assert.equal(tree.manifests[0]?.referrers.length, 0);
    assert.equal(tree.manifests[1]?.referrers.length, 1);
    assert.equal(tree.manifests[1]?.platform?.architecture, 'arm64');
    assert.equal(allReferrers(tree).length, 2);
    assert.equal((await discover(store, index, { artifactType: 'application/none' })).referrers.length, 0);
  });

  it('maps short predicate names and keeps URIs', () => {
    assert.equal(predicateTypeOf('slsaprovenance1'), 'https://slsa.dev/provenance/v1');
    assert.equal(predicateTypeOf('CycloneDX'), 'https://cyclonedx.org/bom');
    assert.equal(predicateTypeOf('https://example.com/p/v1'), 'https://example.com/p/v1');
    assertCairnErrorSync(() => predicateTypeOf('nonsense'), 'INVALID_ARGUMENT', /unknown predicate type/);
    assertCairnErrorSync(() => imageStatement('a', `sha256:${'a'.repeat(64)}`, 't:x', [1]), 'SCHEMA_INVALID');
  });
});
