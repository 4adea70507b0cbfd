import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey, encodeKeyPair } from '../../src/crypto/index.js';
import { makeStatement, signMetablock, signStatement } from '../../src/intoto/index.js';
import { keyDict } from '../../src/crypto/index.js';
import { closeStore, openStore, parseReference, type Store } from '../../src/oci/index.js';
import type { Descriptor } from '../../src/schema/index.js';
import { runCairn, useRegistry } from '../helpers/registry.js';
import { run } from '../helpers/exec.js';
import { buildImage, pushImage } from '../helpers/image.js';
import { mockSigstore, TEST_IDENTITY } from '../helpers/sigstore-mock.js';
import { attachSigstoreBundle, buildkitAttestation, buildkitIndex, buildxIndex, cosignAttest, orasPush, cosignSign, ecosystemFile, notationSign, orasAttach } from '../helpers/ecosystem.js';

// Every convention's layout pushed to the real registry (distribution 2.8.2: no referrers API,
// so the tag schema), then `cairn discover --output json` as a user runs it.

const registry = useRegistry();
const tmp = mkdtempSync(join(tmpdir(), 'cairn-eco-'));
const SLSA = 'https://slsa.dev/provenance/v1';

interface Layer { envelope?: string; predicateType?: string; aboutSubject?: boolean; verified?: { result: string; with?: string }; signer?: { identity?: string }; skipped?: string }
interface Item { convention: string; foundBy: string; platform?: string; manifest: string; artifactType?: string; layers: Layer[] }
interface Discovered { manifests?: { platform?: { os: string; architecture: string } }[]; evidence: Item[] }

let image: Descriptor;
let mockRoot: Record<string, unknown>;
let bk: { index: Descriptor; platform: Descriptor };

async function discover(ref: string, ...extra: string[]): Promise<Discovered> {
  const r = await runCairn(['discover', ref, '--output', 'json', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Discovered;
}

describe('discover on a registry: what the ecosystem writes', () => {
  const key = generateKey('ecdsa-p256');
  before(async () => {
    writeFileSync(join(tmp, 'cosign.pub'), encodeKeyPair(key).publicPem);
    const store: Store = await openStore(parseReference(`${registry().host}/eco`));
    image = await pushImage(store, await buildImage('eco'), 'v1');
    const doc = await signStatement(makeStatement([{ digest: { sha256: image.digest.slice(7) } }], SLSA, {}), [key]);
    if (doc.format !== 'dsse') throw new Error('dsse');
    await cosignAttest(store, image, [{ envelope: { ...doc.envelope, signatures: doc.envelope.signatures.map((s) => ({ ...s, keyid: '' })) }, predicateType: SLSA }]);
    await cosignSign(store, image, `${registry().host}/eco`, encodeKeyPair(key).privatePem);
    const mock = await mockSigstore();
    mockRoot = mock.trustedRoot;
    writeFileSync(join(tmp, 'trusted_root.json'), JSON.stringify(mock.trustedRoot));
    const stmt = Buffer.from(JSON.stringify(makeStatement([{ digest: { sha256: image.digest.slice(7) } }], SLSA, {})));
    await attachSigstoreBundle(store, image, Buffer.from(JSON.stringify(await mock.sign(stmt, 'application/vnd.in-toto+json'))), SLSA);
    await attachSigstoreBundle(store, image, ecosystemFile('sigstore-conformance-happy-path-intoto-in-dsse-v3.sigstore.json'), SLSA);
    await notationSign(store, image, 'jws', 'artifact');
    await notationSign(store, image, 'cose', 'image');
    await orasAttach(store, image, 'application/vnd.example.sbom.v1+json', { name: 'sbom.json', mediaType: 'application/spdx+json', bytes: Buffer.from('{}') });
    bk = await buildkitIndex(store, 'eco-bk', [{ predicateType: SLSA, body: Buffer.from(JSON.stringify(makeStatement([{ name: '_', digest: { sha256: '1'.repeat(64) } }], SLSA, {}))) }], 'old');
    await store.tag(bk.index, 'bk');
    await closeStore(store);
  });

  it('finds and reads every item, with its signer and verification', async () => {
    const d = await discover(`${registry().host}/eco:v1`, '--key', join(tmp, 'cosign.pub'), '--trusted-root', join(tmp, 'trusted_root.json'));
    const got = d.evidence.map((i) => `${i.convention}/${i.foundBy}/${i.layers.map((l) => `${l.envelope}:${l.verified?.result}:${l.aboutSubject ?? '-'}`).join(',')}`).sort();
    assert.deepEqual(got, [
      'cosign-attestation/cosign-tag/dsse:verified:true',
      'cosign-signature/cosign-tag/cosign-simplesigning:verified:true',
      'notation-signature/referrers-tag/cose:not-checked:false',
      'notation-signature/referrers-tag/jws:not-checked:false',
      'oras-artifact/referrers-tag/other:not-checked:-',
      'sigstore-bundle/referrers-tag/sigstore-bundle:failed:false',
      'sigstore-bundle/referrers-tag/sigstore-bundle:verified:true',
    ]);
    const keyless = d.evidence.find((i) => i.convention === 'sigstore-bundle' && i.layers[0]!.verified?.result === 'verified')!;
    assert.equal(keyless.layers[0]!.signer?.identity, TEST_IDENTITY);
  });

  it('shows BuildKit attestations under their platform, never as unknown/unknown', async () => {
    const d = await discover(`${registry().host}/eco:bk`);
    assert.deepEqual(d.manifests?.map((m) => `${m.platform?.os}/${m.platform?.architecture}`), ['linux/amd64']);
    const [item] = d.evidence;
    assert.equal(item?.convention, 'buildkit-attestation');
    assert.equal(item?.platform, 'linux/amd64');
    assert.equal(item?.layers[0]?.verified?.result, 'unsigned');
    const text = await runCairn(['discover', `${registry().host}/eco:bk`]);
    assert.doesNotMatch(text.stdout, /unknown\/unknown/);
    assert.match(text.stdout, /buildkit-attestation \[linux\/amd64\]/);
  });

  it('filters by predicate type and refuses a trusted root that is not one', async () => {
    const d = await discover(`${registry().host}/eco:v1`, '--predicate-type', 'https://example.com/none');
    assert.deepEqual(d.evidence, []);
    writeFileSync(join(tmp, 'bad.json'), '{"mediaType":"nope"}');
    const r = await runCairn(['discover', `${registry().host}/eco:v1`, '--trusted-root', join(tmp, 'bad.json')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /not a Sigstore trusted root/);
  });

  it('cairn verify: the cosign attestation and the keyless bundle each satisfy a step; a wrong identity or root does not', async () => {
    const owner = generateKey('ed25519');
    writeFileSync(join(tmp, 'owner.pub'), encodeKeyPair(owner).publicPem);
    const step = (extra: Record<string, unknown>, keys: string[] = []) => ({ _type: 'step', name: 'provenance', threshold: 1, pubkeys: keys, expected_command: [], expected_materials: [], expected_products: [['ALLOW', '*']], expected_predicate_type: SLSA, ...extra });
    const write = (name: string, steps: unknown[]) => writeFileSync(join(tmp, name), JSON.stringify(signMetablock({ _type: 'layout', expires: '2099-01-01T00:00:00Z', readme: '', keys: { [key.publicKey.keyId]: keyDict(key.publicKey) }, steps, inspect: [] }, [owner])));
    write('cosign.layout', [step({}, [key.publicKey.keyId])]);
    write('keyless.layout', [step({ certificate_identities: [{ subject_alternative_name: TEST_IDENTITY, oidc_issuer: 'https://token.actions.example.test' }] })]);
    write('wrong.layout', [step({ certificate_identities: [{ subject_alternative_name: 'https://github.com/evil/x/.github/workflows/x.yml@refs/heads/main', oidc_issuer: 'https://token.actions.example.test' }] })]);
    const ref = `${registry().host}/eco@${image.digest}`;
    const verify = (layoutFile: string, ...extra: string[]) => runCairn(['verify', ref, '--layout', join(tmp, layoutFile), '--layout-key', join(tmp, 'owner.pub'), ...extra]);
    const cosign = await verify('cosign.layout');
    assert.equal(cosign.code, 0, cosign.stdout + cosign.stderr);
    const keyless = await verify('keyless.layout', '--trusted-root', join(tmp, 'trusted_root.json'));
    assert.equal(keyless.code, 0, keyless.stdout + keyless.stderr);
    assert.equal((await verify('wrong.layout', '--trusted-root', join(tmp, 'trusted_root.json'))).code, 1);
    assert.equal((await verify('keyless.layout')).code, 1, 'no trusted root: a keyless bundle cannot count');
    const publicGood = join(tmp, 'public-good.json');
    writeFileSync(publicGood, ecosystemFile('sigstore-public-good-trusted_root.json'));
    assert.equal((await verify('keyless.layout', '--trusted-root', publicGood)).code, 1, 'a root that does not list the mock CA');
  });

  it('cairn verify: a BuildKit attestation counts once the functionary vouches for its manifest with cairn attest', async () => {
    const builder = generateKey('ecdsa-p256');
    const owner = generateKey('ed25519');
    writeFileSync(join(tmp, 'builder.key'), encodeKeyPair(builder).privatePem);
    writeFileSync(join(tmp, 'bk-owner.pub'), encodeKeyPair(owner).publicPem);
    writeFileSync(join(tmp, 'vouch.json'), '{}');
    const store: Store = await openStore(parseReference(`${registry().host}/eco-buildx`));
    const amd = await pushImage(store, await buildImage('eco-buildx'));
    const statement = makeStatement([{ name: 'pkg:docker/eco-buildx@latest?platform=linux%2Famd64', digest: { sha256: amd.digest.slice(7) } }], SLSA, { buildDefinition: { buildType: 'https://mobyproject.org/buildkit@v1' } });
    const attestation = await buildkitAttestation(store, [{ predicateType: SLSA, body: Buffer.from(JSON.stringify(statement)) }]);
    const index = await buildxIndex(store, [{ image: amd, platform: { os: 'linux', architecture: 'amd64' }, attestation }]);
    await store.tag(index, 'latest');
    await closeStore(store);
    const step = { _type: 'step', name: 'build', threshold: 1, pubkeys: [builder.publicKey.keyId], expected_command: [], expected_materials: [], expected_products: [['ALLOW', '*']], expected_predicate_type: SLSA };
    writeFileSync(join(tmp, 'bk.layout'), JSON.stringify(signMetablock({ _type: 'layout', expires: '2099-01-01T00:00:00Z', readme: '', keys: { [builder.publicKey.keyId]: keyDict(builder.publicKey) }, steps: [step], inspect: [] }, [owner])));
    const verify = () => runCairn(['verify', `${registry().host}/eco-buildx:latest`, '--layout', join(tmp, 'bk.layout'), '--layout-key', join(tmp, 'bk-owner.pub')]);
    const bare = await verify();
    assert.equal(bare.code, 1, 'an unsigned BuildKit Statement alone: ' + bare.stdout + bare.stderr);
    const vouch = await runCairn(['attest', `${registry().host}/eco-buildx@${attestation.digest}`, '--type', SLSA, '--predicate', join(tmp, 'vouch.json'), '--key', join(tmp, 'builder.key')]);
    assert.equal(vouch.code, 0, vouch.stderr);
    const vouched = await verify();
    assert.equal(vouched.code, 0, vouched.stdout + vouched.stderr);
    assert.match(vouched.stdout, /linux\/amd64/);
  });

  it('cairn copy --referrers out of an oci: dir that skopeo left without the other platforms (--multi-arch index-only)', async () => {
    const store: Store = await openStore(parseReference(`${registry().host}/eco-multi`));
    const amd = await pushImage(store, await buildImage('eco-multi', { os: 'linux', architecture: 'amd64' }));
    const arm = await pushImage(store, await buildImage('eco-multi', { os: 'linux', architecture: 'arm64' }));
    const about = (d: Descriptor) => Buffer.from(JSON.stringify(makeStatement([{ digest: { sha256: d.digest.slice(7) } }], SLSA, {})));
    const amdAtt = await buildkitAttestation(store, [{ predicateType: SLSA, body: about(amd) }]);
    const armAtt = await buildkitAttestation(store, [{ predicateType: SLSA, body: about(arm) }]);
    const index = await buildxIndex(store, [{ image: amd, platform: { os: 'linux', architecture: 'amd64' }, attestation: amdAtt }, { image: arm, platform: { os: 'linux', architecture: 'arm64' }, attestation: armAtt }]);
    await store.tag(index, 'latest');
    await closeStore(store);
    const saved = join(tmp, 'skopeo-index-only');
    const skopeo = (...args: string[]) => {
      const sk = run('skopeo', ['copy', '--quiet', '--src-tls-verify=false', '--preserve-digests', ...args]);
      assert.equal(sk.status, 0, sk.stderr);
    };
    const copy = async (to: string) => {
      const r = await runCairn(['copy', '--referrers', `oci:${saved}:latest`, `oci:${join(tmp, to)}:latest`, '--output', 'json']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stderr, /not copied: sha256:[0-9a-f]{64} .*not in the source layout/);
      return JSON.parse(r.stdout) as { digest: string; omitted: { digest: string }[] };
    };
    skopeo('--multi-arch', 'index-only', `docker://${registry().host}/eco-multi:latest`, `oci:${saved}:latest`);
    const indexOnly = await copy('copied-index');
    assert.equal(indexOnly.digest, index.digest);
    assert.deepEqual(indexOnly.omitted.map((o) => o.digest).sort(), [amd.digest, arm.digest, amdAtt.digest, armAtt.digest].sort());
    // then the amd64 image into the same layout: what `docker save --platform linux/amd64` holds
    skopeo('--override-os', 'linux', '--override-arch', 'amd64', `docker://${registry().host}/eco-multi:latest`, `oci:${saved}:amd64`);
    const onePlatform = await copy('copied-amd64');
    assert.deepEqual(onePlatform.omitted.map((o) => o.digest).sort(), [arm.digest, amdAtt.digest, armAtt.digest].sort());
    const inspected = await runCairn(['discover', `oci:${join(tmp, 'copied-amd64')}:latest`, '--output', 'json']);
    assert.equal(inspected.code, 0, inspected.stderr);
    // Into a registry, the registry decides: distribution refuses an index whose manifests it lacks.
    const pushed = await runCairn(['copy', `oci:${saved}:latest`, `${registry().host}/eco-partial:latest`]);
    assert.notEqual(pushed.code, 0);
    assert.match(pushed.stderr, /not copied: sha256:[0-9a-f]{64} .*not in the source layout/, 'the omissions are said before the registry refuses');
    assert.doesNotMatch(pushed.stderr, /\n\s+at /, 'one line, no stack trace');
  });

  it('--trusted-root REF@sha256: a trusted root pushed as an artifact, pinned by digest; a tag or a wrong digest is refused', async () => {
    const store: Store = await openStore(parseReference(`${registry().host}/eco-roots`));
    const TRUSTED_ROOT = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';
    const push = (bytes: Buffer, tag: string) => orasPush(store, TRUSTED_ROOT, { name: 'trusted_root.json', mediaType: TRUSTED_ROOT, bytes }, tag);
    const mine = await push(Buffer.from(JSON.stringify(mockRoot)), 'mock');
    const publicGood = await push(ecosystemFile('sigstore-public-good-trusted_root.json'), 'public-good');
    await closeStore(store);
    const check = (root: string) => runCairn(['verify-attestation', `${registry().host}/eco:v1`, '--certificate-identity', TEST_IDENTITY, '--certificate-oidc-issuer', 'https://token.actions.example.test', '--trusted-root', root, '--output', 'json']);
    const pinned = await check(`${registry().host}/eco-roots@${mine.digest}`);
    assert.equal(pinned.code, 0, pinned.stdout + pinned.stderr);
    const tagged = await check(`${registry().host}/eco-roots:mock`);
    assert.equal(tagged.code, 2, tagged.stdout + tagged.stderr);
    assert.match(tagged.stdout + tagged.stderr, /pinned by digest/);
    const otherRoot = await check(`${registry().host}/eco-roots@${publicGood.digest}`);
    assert.equal(otherRoot.code, 1, 'the digest of another root: the mock bundle does not verify');
    const nothing = await check(`${registry().host}/eco-roots@sha256:${'0'.repeat(63)}1`);
    assert.equal(nothing.code, 3, nothing.stdout + nothing.stderr);
    const notARoot = await check(`${registry().host}/eco@${image.digest}`);
    assert.equal(notARoot.code, 1, notARoot.stdout + notARoot.stderr);
    assert.match(notARoot.stdout + notARoot.stderr, /TRUST_ROOT_INVALID|trusted_root/);
    // the same pin works for cairn verify with a layout
    const owner = generateKey('ed25519');
    writeFileSync(join(tmp, 'pin-owner.pub'), encodeKeyPair(owner).publicPem);
    const step = { _type: 'step', name: 'provenance', threshold: 1, pubkeys: [], expected_command: [], expected_materials: [], expected_products: [['ALLOW', '*']], expected_predicate_type: SLSA, certificate_identities: [{ subject_alternative_name: TEST_IDENTITY, oidc_issuer: 'https://token.actions.example.test' }] };
    writeFileSync(join(tmp, 'pin.layout'), JSON.stringify(signMetablock({ _type: 'layout', expires: '2099-01-01T00:00:00Z', readme: '', keys: {}, steps: [step], inspect: [] }, [owner])));
    const verified = await runCairn(['verify', `${registry().host}/eco@${image.digest}`, '--layout', join(tmp, 'pin.layout'), '--layout-key', join(tmp, 'pin-owner.pub'), '--trusted-root', `${registry().host}/eco-roots@${mine.digest}`]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });

  it('cairn verify-attestation: a key, or an identity with a trusted root, as cosign verify-attestation', async () => {
    const ref = `${registry().host}/eco:v1`;
    const byKey = await runCairn(['verify-attestation', ref, '--key', join(tmp, 'cosign.pub'), '--type', 'slsaprovenance1', '--output', 'json']);
    assert.equal(byKey.code, 0, byKey.stderr);
    const k = JSON.parse(byKey.stdout) as { verified: { convention: string }[] };
    assert.deepEqual(k.verified.map((v) => v.convention), ['cosign-attestation']);
    const byId = await runCairn(['verify-attestation', ref, '--certificate-identity', TEST_IDENTITY, '--certificate-oidc-issuer', 'https://token.actions.example.test', '--trusted-root', join(tmp, 'trusted_root.json'), '--output', 'json']);
    assert.equal(byId.code, 0, byId.stderr);
    const i = JSON.parse(byId.stdout) as { verified: { convention: string; signer: string }[]; rejected: { why: string }[] };
    assert.deepEqual(i.verified.map((v) => v.convention), ['sigstore-bundle']);
    assert.ok(i.rejected.some((r) => /not about this image|another identity|not verify/.test(r.why)), 'the conformance bundle is rejected');
    const wrong = await runCairn(['verify-attestation', ref, '--certificate-identity', 'https://github.com/evil/x', '--certificate-oidc-issuer', 'https://token.actions.example.test', '--trusted-root', join(tmp, 'trusted_root.json')]);
    assert.equal(wrong.code, 1, wrong.stderr);
    const half = await runCairn(['verify-attestation', ref, '--certificate-identity', TEST_IDENTITY]);
    assert.equal(half.code, 2);
    assert.match(half.stderr, /certificate-oidc-issuer/);
  });
});
