import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { useRegistry, runCairn, type CairnRun } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';
import { buildImage, pushImage } from '../helpers/image.js';
import { openStore, parseReference, closeStore } from '../../src/oci/index.js';
import { generateKey, encodeKeyPair, loadPublicKey, type PrivateKey } from '../../src/crypto/index.js';
import { makeRoot, signRoot, expiryIn, type TrustRoot } from '../../src/trust/index.js';
import { pushTrustRoot } from '../../src/attest/index.js';

// Issue 7 against the real registry: a trust root pinned by digest, owner keys rotated twice,
// a functionary key revoked, and `cairn verify` passing and failing at each stage; then each
// attack on the chain (rollback, too few old signatures, an expired newest version, a gap).

describe('trust roots: rotation and revocation against the registry', () => {
  const registry = useRegistry();
  const dir = tmpDir('cairn-trust-');
  const env = { ...process.env, XDG_STATE_HOME: join(dir, 'state') };
  const keys: Record<string, PrivateKey> = {};
  let reg: string;
  let image: string;

  const cairn = (args: string[]): Promise<CairnRun> => runCairn(args, { cwd: dir, env });
  const ok = async (args: string[]): Promise<string> => {
    const r = await cairn(args);
    assert.equal(r.code, 0, `cairn ${args.join(' ')}\n${r.stderr}${r.stdout}`);
    return r.stdout.trim();
  };
  const verify = (layout: string, pin: string, state = 'state.json') =>
    cairn(['verify', image, '--layout', layout, '--trust-root', pin, '--trust-state', state]);
  // No image inspection (--no-image): these layouts bind the image because the build links
  // record its manifest as a product (issue 13: an unbound layout is refused).
  const layoutFor = async (name: string, functionary: string, owner: string) => {
    await ok(['layout', 'create', '--no-image', '--step', `build=${functionary}.pub`, '--out', name, '--force']);
    await ok(['layout', 'sign', name, '--key', owner]);
    return name;
  };

  before(async () => {
    reg = registry().host;
    for (const n of ['o1', 'o2', 'o3', 'f1', 'f2', 'mallory']) {
      keys[n] = generateKey('ed25519');
      const { privatePem, publicPem } = encodeKeyPair(keys[n]!);
      writeFileSync(join(dir, n), privatePem, { mode: 0o600 });
      writeFileSync(join(dir, `${n}.pub`), publicPem);
    }
    const store = await openStore(parseReference(`${reg}/app`));
    const built = await buildImage('trust');
    const desc = await pushImage(store, built);
    await closeStore(store);
    image = `${reg}/app@${desc.digest}`;
    writeFileSync(join(dir, 'image-manifest.json'), built.blobs.find((b) => b.desc.digest === desc.digest)!.bytes);
    for (const f of ['f1', 'f2']) {
      await ok(['run', '-n', 'build', '-k', f, '-x', '-d', `links-${f}`, '-p', 'image-manifest.json']);
      await ok(['attach', image, join(`links-${f}`, `build.${loadPublicKey(encodeKeyPair(keys[f]!).publicPem).keyId.slice(0, 8)}.link`)]);
    }
  });

  it('follows the owners through two rotations and a revocation', async () => {
    // version 1: alice-era owner o1
    await ok(['trust', 'init', '--key', 'o1', '--out', 'root.1.json']);
    const pin = `${reg}/trust@${await ok(['trust', 'push', 'root.1.json', `${reg}/trust`])}`;
    const l1 = await layoutFor('l1.layout', 'f1', 'o1');
    let r = await verify(l1, pin);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stderr, /trust root: version 1/);

    // rotation 1: o1 hands over to o2 (signed by the old owner and the new one)
    await ok(['trust', 'rotate', '--root', pin, '--add-key', 'o2.pub', '--remove-key', 'o1.pub', '--key', 'o1', '--key', 'o2', '--trust-state', 'state.json', '--out', 'root.2.json']);
    await ok(['trust', 'push', 'root.2.json', `${reg}/trust`]);
    r = await verify(l1, pin);
    assert.equal(r.code, 1, 'a layout signed only by the rotated-out owner no longer passes');
    assert.match(r.stdout, /signed by 0 of the trusted owner keys, needs 1/);
    assert.match(r.stderr, /trust root: version 2/);
    const l2 = await layoutFor('l2.layout', 'f1', 'o2');
    r = await verify(l2, pin);
    assert.equal(r.code, 0, r.stderr + r.stdout);

    // rotation 2: o2 hands over to o3, and functionary f1's key is revoked
    await ok(['trust', 'rotate', '--root', pin, '--add-key', 'o3.pub', '--remove-key', 'o2.pub', '--revoke-key', 'f1.pub', '--key', 'o2', '--key', 'o3', '--trust-state', 'state.json', '--out', 'root.3.json']);
    await ok(['trust', 'push', 'root.3.json', `${reg}/trust`]);
    r = await verify(l2, pin);
    assert.equal(r.code, 1);
    const l3old = await layoutFor('l3-old.layout', 'f1', 'o3');
    r = await verify(l3old, pin);
    assert.equal(r.code, 1, 'links signed by a revoked key do not count even if the layout lists the key');
    assert.match(r.stdout, /signed only by revoked key/);
    const l3 = await layoutFor('l3.layout', 'f2', 'o3');
    r = await verify(l3, pin);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stderr, /trust root: version 3 .* 1 revoked/);

    const shown = await ok(['trust', 'show', pin, '--trust-state', 'show-state.json']);
    assert.match(shown, /trust root version 3/);
    assert.equal((shown.match(/^ {2}version \d: sha256:/gm) ?? []).length, 3);
  });

  // Each attack gets a repository of its own: version 1 and 2 are honest, then the attack.
  type Push = (root: TrustRoot, by: PrivateKey[]) => Promise<{ digest: string }>;
  async function chain(repo: string, attack: (push: Push) => Promise<void>): Promise<string> {
    const store = await openStore(parseReference(`${reg}/${repo}`));
    try {
      const v1 = makeRoot(1, { keys: [keys['o1']!.publicKey], threshold: 1, expires: expiryIn(30) });
      const e1 = await signRoot(v1, [keys['o1']!]);
      const d1 = await pushTrustRoot(store, e1, Buffer.from(JSON.stringify(e1)), 1);
      const v2 = makeRoot(2, { keys: [keys['o2']!.publicKey], threshold: 1, expires: expiryIn(30) });
      const e2 = await signRoot(v2, [keys['o1']!, keys['o2']!]);
      await pushTrustRoot(store, e2, Buffer.from(JSON.stringify(e2)), 2);
      await attack(async (root, by) => {
        const e = await signRoot(root, by);
        return pushTrustRoot(store, e, Buffer.from(JSON.stringify(e)), root.version);
      });
      return `${reg}/${repo}@${d1.digest}`;
    } finally {
      await closeStore(store);
    }
  }

  it('refuses a version signed by too few of the previous owners', async () => {
    const pin = await chain('attack-signers', async (pushRoot) => {
      await pushRoot(makeRoot(3, { keys: [keys['mallory']!.publicKey], threshold: 1, expires: expiryIn(30) }), [keys['mallory']!]);
    });
    const l = await layoutFor('mallory.layout', 'f2', 'mallory');
    const r = await verify(l, pin, 'signers-state.json');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^cairn: version 3 is signed by 0 owners of version 2, needs 1$/m);
  });

  it('refuses an expired newest version', async () => {
    const pin = await chain('attack-expired', async (pushRoot) => {
      await pushRoot(makeRoot(3, { keys: [keys['o3']!.publicKey], threshold: 1, expires: '2020-01-01T00:00:00Z' }), [keys['o2']!, keys['o3']!]);
    });
    const r = await verify(await layoutFor('e.layout', 'f2', 'o3'), pin, 'expired-state.json');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^cairn: the newest version \(3\) expired on 2020-01-01T00:00:00Z$/m);
  });

  it('refuses a gap in versions', async () => {
    const pin = await chain('attack-gap', async (pushRoot) => {
      await pushRoot(makeRoot(4, { keys: [keys['o3']!.publicKey], threshold: 1, expires: expiryIn(30) }), [keys['o2']!, keys['o3']!]);
    });
    const r = await verify(await layoutFor('g.layout', 'f2', 'o2'), pin, 'gap-state.json');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^cairn: gap in versions: root\.4 exists but root\.3 does not$/m);
  });

  it('refuses a rollback to an older version than one trusted before', async () => {
    let v3digest = '';
    const pin = await chain('attack-rollback', async (pushRoot) => {
      v3digest = (await pushRoot(makeRoot(3, { keys: [keys['o3']!.publicKey], threshold: 1, expires: expiryIn(30) }), [keys['o2']!, keys['o3']!])).digest;
    });
    const l = await layoutFor('r.layout', 'f2', 'o3');
    let r = await verify(l, pin, 'rollback-state.json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    // the registry now serves the chain without version 3 (its manifest deleted)
    await new Promise<void>((resolve, reject) => {
      const req = request(`http://${reg}/v2/attack-rollback/manifests/${v3digest}`, { method: 'DELETE' }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`DELETE answered ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end();
    });
    r = await verify(await layoutFor('r2.layout', 'f2', 'o2'), pin, 'rollback-state.json');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^cairn: rollback: the newest version served is 2, but version 3 was trusted before$/m);
  });
});
