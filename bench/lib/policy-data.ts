import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeKeyPair, generateKey, keyDict, type PrivateKey } from '../../src/crypto/index.js';
import { makeLink, serializeDocument, signLink, signMetablock, linkFileName, type ArtifactMap } from '../../src/intoto/index.js';
import { INTOTO_PAYLOAD_TYPE, signEnvelope } from '../../src/dsse/index.js';
import { keySigner } from '../../src/crypto/index.js';
import { formatExpires } from '../../src/verify/index.js';

// The verification benchmark's data set, after ../shared/baselines/make-layout.py: step00
// creates N artifacts, every later step takes the previous step's products as materials and
// outputs them unchanged; both rule lists MATCH everything against the previous step's
// products, then DISALLOW *. Written twice: as Metablocks (what in-toto-verify 1.3.1 reads)
// and as DSSE (layout envelope, links as link-predicate Statements in .intoto.jsonl bundles).
// Generated once per size into bench/.cache (keys are fresh; the artifacts are fixed).

export interface PolicyData {
  dir: string;
  /** Owner public key as a securesystemslib JSON file (in-toto-verify -t ed25519). */
  ownerPub: string;
}

function writeKey(dir: string, name: string, key: PrivateKey): void {
  const { privatePem, publicPem } = encodeKeyPair(key);
  writeFileSync(join(dir, name), privatePem, { mode: 0o600 });
  writeFileSync(join(dir, `${name}.pub`), publicPem);
  writeFileSync(join(dir, `${name}.pub.json`), JSON.stringify(keyDict(key.publicKey)));
}

/** `<dir>/{legacy,dsse}/{root.layout,links/}` and keys, generated once into `dir`. */
export async function policyData(dir: string, steps = 10, artifacts = 10_000): Promise<PolicyData> {
  if (!existsSync(join(dir, 'done'))) {
    process.stderr.write(`bench: generating ${steps} links x ${artifacts} artifacts (once; cached in ${dir}) ...\n`);
    rmSync(`${dir}.tmp`, { recursive: true, force: true });
    await makePolicyData(`${dir}.tmp`, steps, artifacts);
    writeFileSync(join(`${dir}.tmp`, 'done'), '');
    rmSync(dir, { recursive: true, force: true });
    renameSync(`${dir}.tmp`, dir);
  }
  return { dir, ownerPub: join(dir, 'owner.pub.json') };
}

// Generates the data into `dir` (which must not exist).
async function makePolicyData(dir: string, steps: number, artifacts: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const owner = generateKey('ed25519');
  const alice = generateKey('ed25519');
  writeKey(dir, 'owner', owner);
  writeKey(dir, 'alice', alice);
  const arts: ArtifactMap = {};
  for (let i = 0; i < artifacts; i++) {
    const name = `src/d${String(Math.floor(i / 100)).padStart(3, '0')}/f${String(i).padStart(6, '0')}.bin`;
    arts[name] = { sha256: createHash('sha256').update(`artifact ${i}`).digest('hex') };
  }
  const names = Array.from({ length: steps }, (_, i) => `step${String(i).padStart(2, '0')}`);
  const layout = {
    _type: 'layout',
    expires: formatExpires(new Date(Date.now() + 365 * 86400_000)),
    readme: 'Cairn verification benchmark',
    keys: { [alice.publicKey.keyId]: keyDict(alice.publicKey) },
    inspect: [],
    steps: names.map((name, i) => {
      const match = i === 0 ? [] : [['MATCH', '*', 'WITH', 'PRODUCTS', 'FROM', names[i - 1]!]];
      return {
        _type: 'step', name, threshold: 1, pubkeys: [alice.publicKey.keyId], expected_command: ['true'],
        expected_materials: [...match, ['DISALLOW', '*']],
        expected_products: i === 0 ? [['CREATE', '*'], ['DISALLOW', '*']] : [...match, ['DISALLOW', '*']],
      };
    }),
  };
  for (const format of ['legacy', 'dsse'] as const) {
    const links = join(dir, format, 'links');
    mkdirSync(links, { recursive: true });
    const doc = format === 'legacy'
      ? { format, metablock: signMetablock(layout, [owner]) }
      : { format, envelope: await signEnvelope(INTOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(layout)), [keySigner(owner)]) };
    writeFileSync(join(dir, format, 'root.layout'), serializeDocument(doc));
    for (const [i, name] of names.entries()) {
      const link = makeLink({ name, command: ['true'], materials: i === 0 ? {} : arts, products: arts, byproducts: { 'return-value': 0, stdout: '', stderr: '' } });
      writeFileSync(join(links, linkFileName(name, alice.publicKey.keyId, format)), serializeDocument(await signLink(link, [alice], format)));
    }
  }
}
