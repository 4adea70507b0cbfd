import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey, encodeKeyPair, keyDict } from '../../src/crypto/index.js';
import { makeLink, serializeDocument, signLink } from '../../src/intoto/index.js';
import { closeStore, openStore, parseReference } from '../../src/oci/index.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { runCairn, useRegistry } from '../helpers/registry.js';
import { buildImage, pushImage } from '../helpers/image.js';

// A layout with the attribute rules of docs/policy.md verifies an image on the real registry:
// the upstream example attestations attached with `cairn attest` (and a link with `cairn
// attach`) pass, and an image whose evidence breaks one example fails, with a message naming
// the rule and the value.

const registry = useRegistry();
const tmp = mkdtempSync(join(tmpdir(), 'cairn-attr-'));
const A = join(REPO_ROOT, 'testdata', 'attestations');
const COMMIT = 'c27d339ee6075c1f744c5d4b200f7901aad2c369';
const read = (f: string) => JSON.parse(readFileSync(join(A, f), 'utf8'));
const alice = generateKey('ed25519');
const owner = generateKey('ed25519');

interface Example { name: string; expected_predicate_type?: string; expected_attributes: unknown[] }
const examples = JSON.parse(/<!-- attribute-examples:begin -->\n```json\n([\s\S]*?)\n```/.exec(readFileSync(join(REPO_ROOT, 'docs', 'policy.md'), 'utf8'))![1]!) as Example[];

// The predicates per step, from the upstream examples (the scan made recent: the rule wants
// one at most 30 days old; the SLSA runner image without a digest left out, see the unit test).
function predicates(): Record<string, any> {
  const slsa = read('slsa-provenance-v1.statement.json').predicate;
  slsa.buildDefinition.resolvedDependencies = slsa.buildDefinition.resolvedDependencies.slice(0, 1);
  const scan = read('vulns.statement.json').predicate;
  scan.metadata.scanFinishedOn = new Date(Date.now() - 86400_000).toISOString();
  return {
    build: slsa, 'sbom-spdx': read('spdx-2.3.predicate.json'), 'sbom-cyclonedx': read('cyclonedx-1.5.predicate.json'),
    scan, test: read('test-result.statement.json').predicate,
  };
}

// How each example is broken, and what the failure must show.
const BREAK: Record<string, { change: (p: any) => void; shows: RegExp }> = {
  build: { change: (p) => { p.runDetails.builder.id = 'https://evil.example/builder'; }, shows: /predicate\.runDetails\.builder\.id is "https:\/\/evil\.example\/builder"/ },
  'sbom-spdx': { change: (p) => { p.packages[3].licenseConcluded = 'GPL-3.0-only'; }, shows: /no package under GPL or AGPL/ },
  'sbom-cyclonedx': { change: (p) => { p.components[0].licenses[0].license.id = 'AGPL-3.0-only'; }, shows: /AGPL-3\.0-only/ },
  scan: { change: (p) => { p.scanner.result[0].severity[0].score = 'critical'; }, shows: /no critical vulnerability/ },
  test: { change: (p) => { p.result = 'FAILED'; }, shows: /predicate\.result is "FAILED"/ },
  clone: { change: () => undefined, shows: /command is \["git","clone","https:\/\/evil\.example\/foo\.git"\]/ },
};

async function cairn(args: string[]): Promise<{ code: number; out: string }> {
  const r = await runCairn(args);
  return { code: r.code, out: `${r.stdout}${r.stderr}` };
}

// A fresh image with every example's evidence attached; `broken` names the one to break.
async function imageWithEvidence(tag: string, broken?: string): Promise<string> {
  const store = await openStore(parseReference(`${registry().host}/app`));
  const image = await pushImage(store, await buildImage(`attr-${tag}`), tag);
  await closeStore(store);
  const ref = `${registry().host}/app@${image.digest}`;
  const preds = predicates();
  for (const ex of examples.filter((e) => e.expected_predicate_type)) {
    const p = preds[ex.name];
    if (broken === ex.name) BREAK[ex.name]!.change(p);
    const file = join(tmp, `${tag}-${ex.name}.json`);
    writeFileSync(file, JSON.stringify(p));
    const r = await cairn(['attest', ref, '--predicate', file, '--type', ex.expected_predicate_type!, '--key', join(tmp, 'alice'), '--step', ex.name]);
    assert.equal(r.code, 0, r.out);
  }
  const command = ['git', 'clone', broken === 'clone' ? 'https://evil.example/foo.git' : 'https://example.com/foo.git'];
  const link = await signLink(makeLink({ name: 'clone', command, byproducts: { 'return-value': 0 } }), [alice], 'dsse');
  const linkFile = join(tmp, `${tag}-clone.intoto.jsonl`);
  writeFileSync(linkFile, serializeDocument(link));
  const r = await cairn(['attach', ref, linkFile]);
  assert.equal(r.code, 0, r.out);
  return ref;
}

describe('attribute rules end to end on the registry', () => {
  before(async () => {
    writeFileSync(join(tmp, 'alice'), encodeKeyPair(alice).privatePem);
    writeFileSync(join(tmp, 'owner'), encodeKeyPair(owner).privatePem);
    writeFileSync(join(tmp, 'owner.pub'), encodeKeyPair(owner).publicPem);
    const fid = alice.publicKey.keyId;
    const layout = {
      _type: 'layout', expires: '2099-01-01T00:00:00Z', readme: 'attribute rules e2e', keys: { [fid]: keyDict(alice.publicKey) },
      steps: examples.map((ex) => ({
        _type: 'step', threshold: 1, pubkeys: [fid], expected_command: ex.name === 'clone' ? ['git', 'clone', 'https://example.com/foo.git'] : [],
        expected_materials: [['ALLOW', '*']], expected_products: [['ALLOW', '*']], ...ex,
      })),
      inspect: [],
    };
    writeFileSync(join(tmp, 'root.layout'), JSON.stringify(layout));
    const check = await cairn(['layout', 'check', join(tmp, 'root.layout')]);
    assert.equal(check.code, 0, check.out);
    const signed = await cairn(['layout', 'sign', join(tmp, 'root.layout'), '--key', join(tmp, 'owner')]);
    assert.equal(signed.code, 0, signed.out);
  });

  const verify = (ref: string) => cairn(['verify', ref, '--layout', join(tmp, 'root.layout'), '--layout-key', join(tmp, 'owner.pub'), '--param', `commit=${COMMIT}`]);

  it('verifies an image whose evidence meets every rule', async () => {
    const r = await verify(await imageWithEvidence('good'));
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /PASS {2}step build: .*attributes: 3 rules held/);
  });

  for (const name of Object.keys(BREAK)) {
    it(`fails an image whose ${name} evidence breaks its rule, naming rule and value`, async () => {
      const r = await verify(await imageWithEvidence(`bad-${name}`, name));
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, new RegExp(`FAIL: ${name}: .*rule "`));
      assert.match(r.out, BREAK[name]!.shows);
    });
  }

  it('fails without the reviewed commit parameter', async () => {
    const ref = await imageWithEvidence('no-param');
    const r = await cairn(['verify', ref, '--layout', join(tmp, 'root.layout'), '--layout-key', join(tmp, 'owner.pub')]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /FAIL: build: built from the reviewed commit/);
  });
});
