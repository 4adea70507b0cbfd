import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey, encodeKeyPair } from '../../src/crypto/index.js';
import { closeStore, openStore, parseReference } from '../../src/oci/index.js';
import { UPSTREAM } from '../helpers/paths.js';
import { runCairn, useRegistry } from '../helpers/registry.js';
import { pushIndex } from '../helpers/image.js';

// attest → discover → copy to an oci: dir → discover again → copy back to another repository,
// against the real registry (tag-schema fallback), spawning bin/cairn.js as a user would.

const registry = useRegistry();
const tmp = mkdtempSync(join(tmpdir(), 'cairn-flow-'));
let keyFile = '';
let platforms: string[] = [];
let indexDigest = '';

interface Tree {
  digest: string;
  referrers: Tree[];
  manifests?: Tree[];
  annotations?: Record<string, string>;
  artifactType?: string;
  platform?: { architecture: string };
}

async function cairnOk(args: string[], input?: string): Promise<string> {
  const r = await runCairn(args, { input });
  assert.equal(r.code, 0, `cairn ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

async function discoverJson(ref: string): Promise<Tree> {
  return JSON.parse(await cairnOk(['discover', ref, '--output', 'json'])) as Tree;
}

function referrerSet(tree: Tree): string[] {
  const own = tree.referrers.map((r) => r.digest);
  const children = (tree.manifests ?? []).flatMap((m) => m.referrers.map((r) => `${m.platform?.architecture}:${r.digest}`));
  return [...own, ...children].sort();
}

describe('registry evidence end to end', () => {
  before(async () => {
    const key = generateKey('ed25519');
    keyFile = join(tmp, 'alice');
    writeFileSync(keyFile, encodeKeyPair(key).privatePem);
    writeFileSync(join(tmp, 'provenance.json'), JSON.stringify({ buildDefinition: { buildType: 'https://example.com/make' }, runDetails: { builder: { id: 'ci' } } }));
    const store = await openStore(parseReference(`${registry().host}/app`));
    const pushed = await pushIndex(store, 'flow', '1.0');
    indexDigest = pushed.index.digest;
    platforms = pushed.platforms.map((p) => p.digest);
    await closeStore(store);
  });

  it('attests, attaches links and shows them with discover', async () => {
    const reg = registry().host;
    const digest = (await cairnOk(['attest', `${reg}/app:1.0`, '--predicate', join(tmp, 'provenance.json'), '--type', 'slsaprovenance1', '--key', keyFile, '--step', 'build'])).trim();
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    const links = [
      join(UPSTREAM, 'debian-in-toto-1.3.1/cases/ed25519-pass/package.ed845f20.link'),
      join(UPSTREAM, 'in-toto-golang/test/data/package-dsse.2f89b927.link'),
    ];
    const attached = (await cairnOk(['attach', `${reg}/app@${indexDigest}`, ...links])).trim().split('\n');
    assert.equal(attached.length, 2);
    await cairnOk(['attest', `${reg}/app@${platforms[1]}`, '--predicate', join(tmp, 'provenance.json'), '--type', 'https://example.com/custom/v1', '--key', keyFile]);
    const tree = await discoverJson(`${reg}/app:1.0`);
    assert.equal(tree.digest, indexDigest);
    assert.deepEqual(tree.referrers.map((r) => r.digest).sort(), [digest, ...attached].sort());
    const prov = tree.referrers.find((r) => r.digest === digest);
    assert.equal(prov?.artifactType, 'application/vnd.in-toto+json');
    assert.equal(prov?.annotations?.['in-toto.io/predicate-type'], 'https://slsa.dev/provenance/v1');
    assert.equal(prov?.annotations?.['dev.cairn.step'], 'build');
    const legacy = tree.referrers.find((r) => r.annotations?.['dev.cairn.format'] === 'metablock');
    assert.equal(legacy?.annotations?.['dev.cairn.step'], 'package');
    assert.equal(tree.manifests?.length, 2);
    assert.equal(tree.manifests?.[1]?.referrers[0]?.annotations?.['in-toto.io/predicate-type'], 'https://example.com/custom/v1');
    const text = await cairnOk(['discover', `${reg}/app:1.0`]);
    assert.match(text, /\[linux\/arm64\/v8\] sha256:/);
    assert.match(text, /application\/vnd\.in-toto\+json/);
    const filtered = await cairnOk(['discover', `${reg}/app:1.0`, '--artifact-type', 'application/x-none', '--output', 'json']);
    assert.deepEqual((JSON.parse(filtered) as Tree).referrers, []);
  });

  it('attaching the same document again finds the first one', async () => {
    const reg = registry().host;
    const link = join(UPSTREAM, 'debian-in-toto-1.3.1/cases/ed25519-pass/package.ed845f20.link');
    const before = (await discoverJson(`${reg}/app:1.0`)).referrers.length;
    const r = await runCairn(['attach', `${reg}/app:1.0`, link]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /already attached/);
    assert.equal((await discoverJson(`${reg}/app:1.0`)).referrers.length, before);
  });

  it('copies image and referrers to an oci: dir and back, and discover shows the same', async () => {
    const reg = registry().host;
    const original = referrerSet(await discoverJson(`${reg}/app:1.0`));
    assert.ok(original.length >= 4);
    const dir = join(tmp, 'airgap');
    const copied = (await cairnOk(['copy', '--referrers', `${reg}/app:1.0`, `oci:${dir}`])).trim();
    assert.equal(copied, indexDigest);
    assert.ok(readdirSync(join(dir, 'blobs', 'sha256')).length > 10);
    assert.deepEqual(referrerSet(await discoverJson(`oci:${dir}:1.0`)), original);
    await cairnOk(['copy', '--referrers', `oci:${dir}:1.0`, `${reg}/mirror/app:copied`]);
    assert.deepEqual(referrerSet(await discoverJson(`${reg}/mirror/app:copied`)), original);
    const again = await runCairn(['copy', '--referrers', '--output', 'json', `${reg}/app:1.0`, `oci:${dir}`]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { blobs: number }).blobs, 0);
  });

  it('pushes a layout by tag and pulls it back by the digest it printed', async () => {
    const reg = registry().host;
    const layout = join(UPSTREAM, 'debian-in-toto-1.3.1/cases/ed25519-pass/root.layout');
    const digest = (await cairnOk(['layout', 'push', layout, `${reg}/policy:v1`])).trim();
    const out = join(tmp, 'pulled.layout');
    assert.equal((await cairnOk(['layout', 'pull', `${reg}/policy@${digest}`, '--out', out])).trim(), digest);
    assert.deepEqual(readFileSync(out), readFileSync(layout));
    assert.equal((await cairnOk(['layout', 'pull', `${reg}/policy:v1`, '--out', out])).trim(), digest);
    const wrong = await runCairn(['layout', 'pull', `${reg}/app:1.0`, '--out', out]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /not a Cairn layout artifact/);
  });

  it('cairn run --attach records a link and attaches it in one go', async () => {
    const reg = registry().host;
    writeFileSync(join(tmp, 'product.txt'), 'built\n');
    const r = await runCairn(['run', '-n', 'build', '-k', keyFile, '--format', 'dsse', '-p', join(tmp, 'product.txt'), '-d', tmp, '--attach', `${reg}/app:1.0`, '--output', 'json', '--no-command']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { attached: { referrer: string; subject: string } };
    assert.equal(result.attached.subject, indexDigest);
    const tree = await discoverJson(`${reg}/app:1.0`);
    const found = tree.referrers.find((x) => x.digest === result.attached.referrer);
    assert.equal(found?.annotations?.['dev.cairn.step'], 'build');
    assert.equal(found?.annotations?.['in-toto.io/predicate-type'], 'https://in-toto.io/attestation/link/v0.3');
  });
});
