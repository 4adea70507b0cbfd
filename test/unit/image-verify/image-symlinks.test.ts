// Moved from test/unit/policy/image-symlinks.test.ts (issue 14: policy/ split into verify/, image-verify/, author/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { generateKey, keyDict, type PrivateKey } from '../../../src/crypto/index.js';
import { makeLink, signLink, signMetablock, type SignedDocument } from '../../../src/intoto/index.js';
import { MemoryStore, encodeJson, OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from '../../../src/oci/index.js';
import { attach } from '../../../src/attest/index.js';
import { IMAGE_CONFIG_ARTIFACT, IMAGE_MANIFEST_ARTIFACT } from '../../../src/verify/index.js';
import { verifyImage } from '../../../src/image-verify/index.js';
import { digestOf, sha256Hex } from '../../../src/digest/index.js';
import { tarOf, type Entry } from '../../helpers/image.js';
import type { Descriptor } from '../../../src/schema/index.js';

// Symlinks are artifacts of the `cairn:image` inspection, through the policy layer: a symlink no
// step produced is caught by DISALLOW *, and a MATCH pins a symlink to what the build recorded
// for it (in-toto hashes the file a link leads to). On the old flattener symlinks were invisible
// to the rules, so an image could add `usr/local/bin/app -> <anything>` and still PASS.

const BUILT = '#!/bin/sh\necho built\n';

async function pushLayers(store: MemoryStore, layers: Entry[][]): Promise<Descriptor> {
  const descs: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const entries of layers) {
    const raw = await tarOf(entries);
    const gz = gzipSync(raw);
    const desc = { mediaType: OCI_LAYER_GZIP, digest: digestOf(gz), size: gz.length };
    await store.push(desc, gz);
    descs.push(desc);
    diffIds.push(digestOf(raw));
  }
  const config = encodeJson(OCI_CONFIG, { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds }, config: {} });
  await store.push(config.desc, config.bytes);
  const manifest = encodeJson(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, config: config.desc, layers: descs });
  await store.push(manifest.desc, manifest.bytes);
  return manifest.desc;
}

function layout(owner: PrivateKey, dev: PrivateKey, rules: string[][]): SignedDocument {
  const fid = dev.publicKey.keyId;
  const signed = {
    _type: 'layout', expires: '2099-01-01T00:00:00Z', readme: '',
    keys: { [fid]: keyDict(dev.publicKey) },
    steps: [{ _type: 'step', name: 'build', threshold: 1, pubkeys: [fid], expected_command: [], expected_materials: [], expected_products: [['ALLOW', '*']] }],
    inspect: [{
      _type: 'inspection', name: 'image', run: ['cairn:image'],
      expected_materials: [...rules, ['ALLOW', IMAGE_MANIFEST_ARTIFACT], ['ALLOW', IMAGE_CONFIG_ARTIFACT], ['DISALLOW', '*']],
      expected_products: [['ALLOW', '*']],
    }],
  };
  return { format: 'legacy', metablock: signMetablock(signed, [owner]) };
}

describe('verifyImage: symlinks are artifacts', () => {
  const owner = generateKey('ed25519');
  const dev = generateKey('ed25519');
  const base: Entry[] = [{ path: 'app/', dir: true }, { path: 'app/bin', content: BUILT }, { path: 'bin/sh', content: 'a shell' }];

  async function verdict(layers: Entry[][], rules: string[][], products: Record<string, string>): Promise<{ verdict: string; message?: string }> {
    const store = new MemoryStore();
    const image = await pushLayers(store, layers);
    const link = makeLink({ name: 'build', products: Object.fromEntries(Object.entries(products).map(([p, c]) => [p, { sha256: sha256Hex(c) }])) });
    await attach(store, image, await signLink(link, [dev], 'legacy'));
    const r = await verifyImage({ store, subject: image, layout: layout(owner, dev, rules), layoutKeys: [owner.publicKey] });
    const message = r.platforms[0]!.report.failure?.message;
    return { verdict: r.verdict, ...(message ? { message } : {}) };
  }

  const onlyBin = [['MATCH', 'app/bin', 'WITH', 'PRODUCTS', 'FROM', 'build'], ['ALLOW', 'bin/sh']];

  it('passes the image the build made', async () => {
    assert.deepEqual(await verdict([base], onlyBin, { 'app/bin': BUILT }), { verdict: 'pass' });
  });

  it('fails DISALLOW * on a symlink no step produced, wherever it leads (attack)', async () => {
    for (const target of ['/app/bin', '../../../bin/sh', '/nowhere', '/app']) {
      const r = await verdict([base, [{ path: 'usr/local/bin/app', symlink: target }]], onlyBin, { 'app/bin': BUILT });
      assert.equal(r.verdict, 'fail', target);
      assert.match(r.message ?? '', /DISALLOW \* rejected usr\/local\/bin\/app/, target);
    }
  });

  it('pins a symlink with MATCH to what the build recorded for it, and fails one that leads elsewhere', async () => {
    const rules = [...onlyBin, ['MATCH', 'usr/local/bin/app', 'WITH', 'PRODUCTS', 'FROM', 'build']];
    const products = { 'app/bin': BUILT, 'usr/local/bin/app': BUILT }; // in-toto records a followed link's content
    assert.deepEqual(await verdict([base, [{ path: 'usr/local/bin/app', symlink: '/app/bin' }]], rules, products), { verdict: 'pass' });
    const elsewhere = await verdict([base, [{ path: 'usr/local/bin/app', symlink: '/bin/sh' }]], rules, products);
    assert.equal(elsewhere.verdict, 'fail');
    assert.match(elsewhere.message ?? '', /DISALLOW \* rejected usr\/local\/bin\/app/);
  });
});
