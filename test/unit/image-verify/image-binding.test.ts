// Moved from test/unit/policy/image-binding.test.ts (issue 14: policy/ split into verify/, image-verify/, author/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey, type PrivateKey } from '../../../src/crypto/index.js';
import { makeLink, makeStatement, signLink, signStatement, type SignedDocument } from '../../../src/intoto/index.js';
import { MemoryStore } from '../../../src/oci/index.js';
import { attach } from '../../../src/attest/index.js';
import { layoutSkeleton, signLayout } from '../../../src/author/index.js';
import { verifyImage } from '../../../src/image-verify/index.js';
import { sha256Hex } from '../../../src/digest/index.js';
import { buildImage, pushImage, pushIndex } from '../../helpers/image.js';
import { pushCustomImage } from '../../helpers/custom-image.js';
import { assertCairnError } from '../../helpers/assert.js';
import { layoutBody, signLayoutBody, type StepSpec } from '../verify/fixtures.js';
import type { Descriptor } from '../../../src/schema/index.js';

// Issue 13 §1: a verdict about an image must be bound to that image. A layout of legacy links
// only (what `cairn layout create --step build=KEY.pub` used to write) passed ANY image to
// which an authorised link was attached; attaching needs only push access. Such a layout is
// now refused (exit 2) unless it binds the image: an image inspection, or COUNTED evidence
// with the image's (or its pinned index's) digest as a product or Statement subject.

const SBOM = 'https://spdx.dev/Document';
const owner = generateKey('ed25519');
const dev = generateKey('ed25519');
const mallory = generateKey('ed25519');

const appBin = (seed: string) => `#!/bin/sh\necho ${seed}/amd64\n`;

// A layout with no image inspection: a build step (and optionally an SBOM step).
async function unboundLayout(opts: { sbom?: boolean } = {}): Promise<SignedDocument> {
  const steps: StepSpec[] = [{ name: 'build', keys: [dev.publicKey], products: [['ALLOW', '*']] }];
  if (opts.sbom) steps.push({ name: 'sbom', keys: [dev.publicKey], products: [['ALLOW', '*']], extra: { expected_predicate_type: SBOM } });
  return signLayoutBody(layoutBody(steps), [owner]);
}

const link = (key: PrivateKey, products: Record<string, string>, format: 'legacy' | 'dsse' = 'legacy') =>
  signLink(makeLink({ name: 'build', products: Object.fromEntries(Object.entries(products).map(([p, h]) => [p, { sha256: h }])) }), [key], format);
const statementAbout = (key: PrivateKey, d: Descriptor) =>
  signStatement(makeStatement([{ name: 'image', digest: { sha256: d.digest.slice(7) } }], SBOM, { spdxVersion: 'SPDX-2.3' }), [key]);
const bindingCheck = (r: Awaited<ReturnType<typeof verifyImage>>, i = 0) => r.platforms[i]!.report.checks.find((c) => c.check === 'image-binding');

describe('a verdict about an image is bound to that image', () => {
  it('refuses a layout that never names the image, though an authorised link hangs off it', async () => {
    const store = new MemoryStore();
    const layout = await unboundLayout();
    for (const seed of ['b1', 'b2']) {
      // any image: the legacy link says nothing about it
      const image = await pushImage(store, await buildImage(seed));
      await attach(store, image, await link(dev, { 'app/bin': sha256Hex(appBin('b1')) }));
      await assertCairnError(
        () => verifyImage({ store, subject: image, layout: layout, layoutKeys: [owner.publicKey] }),
        'INVALID_ARGUMENT',
        new RegExp(`does not bind the image ${image.digest}: no cairn:image inspection.*Add the image inspection`),
      );
    }
  });
  it('--allow-unbound verifies it anyway, with an UNBOUND warning in the report', async () => {
    const store = new MemoryStore();
    const image = await pushImage(store, await buildImage('b3'));
    await attach(store, image, await link(dev, { 'app/bin': sha256Hex(appBin('b3')) }));
    const r = await verifyImage({ store, subject: image, layout: await unboundLayout(), layoutKeys: [owner.publicKey], allowUnbound: true });
    assert.equal(r.verdict, 'pass');
    assert.equal(bindingCheck(r)?.verdict, 'warn');
    assert.match(bindingCheck(r)!.message, /UNBOUND: nothing in the layout names sha256:[0-9a-f]{64}/);
  });

  it('is bound when a counted link has the image manifest as a product', async () => {
    const store = new MemoryStore();
    const image = await pushImage(store, await buildImage('b4'));
    await attach(store, image, await link(dev, { 'image/blobs/sha256/manifest': image.digest.slice(7) }));
    const r = await verifyImage({ store, subject: image, layout: await unboundLayout(), layoutKeys: [owner.publicKey] });
    assert.equal(r.verdict, 'pass', r.platforms[0]!.report.failure?.message);
    assert.equal(bindingCheck(r)?.verdict, 'pass');
    assert.match(bindingCheck(r)!.message, /is product "image\/blobs\/sha256\/manifest" of step build/);
  });

  it('is bound by a counted Statement about the image, never by one nobody authorised', async () => {
    const store = new MemoryStore();
    const unbound = await unboundLayout();
    const image = await pushImage(store, await buildImage('b5'));
    await attach(store, image, await link(dev, { 'app/bin': sha256Hex(appBin('b5')) }));
    // mallory (push access, no key in the layout) attaches a link that names the image
    await attach(store, image, await link(mallory, { 'image.manifest': image.digest.slice(7) }, 'dsse'));
    await assertCairnError(() => verifyImage({ store, subject: image, layout: unbound, layoutKeys: [owner.publicKey] }), 'INVALID_ARGUMENT', /does not bind the image/);
    // a Statement about the image, by the functionary authorised for the step that expects it
    await attach(store, image, await statementAbout(dev, image));
    const r = await verifyImage({ store, subject: image, layout: await unboundLayout({ sbom: true }), layoutKeys: [owner.publicKey] });
    assert.equal(r.verdict, 'pass', r.platforms[0]!.report.failure?.message);
    assert.match(bindingCheck(r)!.message, new RegExp(`${image.digest} is product "image" of step sbom`));
  });

  it('a Statement about the pinned index binds each of its platforms', async () => {
    const store = new MemoryStore();
    const { index } = await pushIndex(store, 'b6');
    await attach(store, index, await link(dev, {}));
    await attach(store, index, await statementAbout(dev, index));
    const r = await verifyImage({ store, subject: index, layout: await unboundLayout({ sbom: true }), layoutKeys: [owner.publicKey] });
    assert.equal(r.verdict, 'pass', JSON.stringify(r.platforms.map((p) => p.report.failure)));
    assert.equal(r.platforms.length, 2);
    for (const i of [0, 1]) assert.match(bindingCheck(r, i)!.message, new RegExp(`${index.digest} is product "image" of step sbom`));
  });

  it('checks the binding before any inspection runs', async () => {
    const store = new MemoryStore();
    const image = await pushImage(store, await buildImage('b7'));
    await attach(store, image, await link(dev, {}));
    let ran = 0;
    const body = layoutBody([{ name: 'build', keys: [dev.publicKey] }], [{ name: 'scan', run: ['scanner'] }]);
    const commandInspections = { run: async () => { ran++; return { materials: {}, products: {}, returnValue: 0, stderr: '' }; } };
    const signed = await signLayoutBody(body, [owner]);
    await assertCairnError(() => verifyImage({ store, subject: image, layout: signed, layoutKeys: [owner.publicKey], commandInspections }), 'INVALID_ARGUMENT', /does not bind/);
    assert.equal(ran, 0);
  });

  it('the skeleton of `cairn layout create` binds the image, fail-closed', async () => {
    const APP = '#!/bin/sh\necho skeleton\n';
    const ENTRYPOINT = '["/usr/local/bin/app"]';
    const body = layoutSkeleton({ steps: [{ name: 'build', keys: [dev.publicKey] }], expires: new Date('2099-01-01T00:00:00Z') });
    const { document: skeleton } = await signLayout(body, [owner]);
    // build records the image's file under its name in the image, and the Entrypoint it sets
    const products = { 'usr/local/bin/app': sha256Hex(APP), 'image-config/Entrypoint': sha256Hex(ENTRYPOINT) };
    const verify = async (files: Record<string, string>, config: Record<string, unknown>) => {
      const store = new MemoryStore();
      const image = await pushCustomImage(store, Object.entries(files).map(([path, content]) => ({ path, content })), config);
      await attach(store, image, await link(dev, products));
      return verifyImage({ store, subject: image, layout: skeleton, layoutKeys: [owner.publicKey] });
    };
    const exec = { config: { Entrypoint: JSON.parse(ENTRYPOINT) } };
    const ok = await verify({ 'usr/local/bin/app': APP }, exec);
    assert.equal(ok.verdict, 'pass', ok.platforms[0]!.report.failure?.message);
    assert.match(bindingCheck(ok)!.message, /the layout inspects the image \(inspection image\)/);
    // a file no step produced fails until the user writes a rule that admits it
    const extra = await verify({ 'usr/local/bin/app': APP, 'etc/passwd': 'root::0:0\n' }, exec);
    assert.match(extra.platforms[0]!.report.failure!.message, /DISALLOW \* rejected etc\/passwd \(materials\)/);
    const changed = await verify({ 'usr/local/bin/app': 'evil' }, exec);
    assert.match(changed.platforms[0]!.report.failure!.message, /DISALLOW \* rejected usr\/local\/bin\/app \(materials\)/);
    const entry = await verify({ 'usr/local/bin/app': APP }, { config: { Entrypoint: ['/bin/sh'] } });
    assert.match(entry.platforms[0]!.report.failure!.message, /DISALLOW \* rejected \/config\/Entrypoint \(materials\)/);
    // --no-image: no inspection, so the same layout is unbound
    const { document: bare } = await signLayout(layoutSkeleton({ steps: [{ name: 'build', keys: [dev.publicKey] }], expires: new Date('2099-01-01T00:00:00Z'), image: false }), [owner]);
    const store = new MemoryStore();
    const image = await pushCustomImage(store, [{ path: 'usr/local/bin/app', content: APP }], exec);
    await attach(store, image, await link(dev, products));
    await assertCairnError(() => verifyImage({ store, subject: image, layout: bare, layoutKeys: [owner.publicKey] }), 'INVALID_ARGUMENT', /does not bind the image/);
  });
});
