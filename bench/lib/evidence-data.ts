import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listImageFiles } from '../../src/image/index.js';
import { encodeKeyPair, generateKey, keyDict, keySigner } from '../../src/crypto/index.js';
import { INTOTO_PAYLOAD_TYPE, signEnvelope } from '../../src/dsse/index.js';
import { linkFileName, makeLink, serializeDocument, signLink, type ArtifactMap } from '../../src/intoto/index.js';
import { OciLayoutStore } from '../../src/oci/index.js';
import { formatExpires } from '../../src/verify/index.js';
import type { BenchImage } from './image.js';
import { CACHE } from './inputs.js';

// Data for `cairn verify IMAGE@digest`: a DSSE layout of 20 steps (a MATCH chain of 100
// artifacts per step, the last step producing exactly the image's flattened files), with the
// cairn:image inspection matching the image's files against that step, and the 20 DSSE links,
// which the registry group attaches to the image as its 20 referrers. Generated once into
// bench/.cache/evidence-<image digest>-v5 (v4: reserved names /oci/*, /config/*; v5: the
// attribute layout). The same layout with 100 attribute rules (5 per step, over each step's
// link) is `root-attributes.layout`, for the verify-image-attributes row.

export interface EvidenceData {
  dir: string;
  layout: string;
  /** The same layout with ATTRIBUTE_RULES attribute rules. */
  attributesLayout: string;
  ownerPub: string;
  /** The 20 link files (.intoto.jsonl), to attach to the image. */
  links: string[];
}

export const EVIDENCE_STEPS = 20;
/** Attribute rules in root-attributes.layout (5 per step). */
export const ATTRIBUTE_RULES = 100;

// Five rules per step, over the link that counts for it: its name, command, predicate type,
// the image being verified, and every product's sha256.
function attributeRules(step: string): string[] {
  return [
    `name == '${step}'`,
    'command == []',
    "predicateType == 'https://in-toto.io/attestation/link/v0.3'",
    "image.digest.startsWith('sha256:')",
    'products.all(p, size(products[p].sha256) == 64)',
  ];
}

/** The layout, keys and links for verifying `image` (generated once). */
export async function evidenceData(image: BenchImage): Promise<EvidenceData> {
  const dir = join(CACHE, `evidence-${image.manifest.digest.slice(7, 19)}-v5`);
  const names = Array.from({ length: EVIDENCE_STEPS }, (_, i) => `step${String(i).padStart(2, '0')}`);
  const owner = join(dir, 'owner');
  const data: EvidenceData = { dir, layout: join(dir, 'root.layout'), attributesLayout: join(dir, 'root-attributes.layout'), ownerPub: `${owner}.pub`, links: [] };
  if (existsSync(join(dir, 'done'))) {
    data.links = JSON.parse(readFileSync(join(dir, 'done'), 'utf8')) as string[];
    return data;
  }
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'links'), { recursive: true });
  const ownerKey = generateKey('ed25519');
  const alice = generateKey('ed25519');
  const pair = encodeKeyPair(ownerKey);
  writeFileSync(join(tmp, 'owner'), pair.privatePem, { mode: 0o600 });
  writeFileSync(join(tmp, 'owner.pub'), pair.publicPem);
  const files = await listImageFiles(OciLayoutStore.open(image.layout), image.manifest);
  const imageArts: ArtifactMap = {};
  for (const f of files.files) if (f.sha256 !== undefined) imageArts[f.path] = { sha256: f.sha256 };
  const arts = (step: number): ArtifactMap => {
    if (step === EVIDENCE_STEPS - 1) return imageArts;
    const out: ArtifactMap = {};
    for (let i = 0; i < 100; i++) out[`src/f${i}`] = { sha256: createHash('sha256').update(`${step}/${i}`).digest('hex') };
    return out;
  };
  const layout = {
    _type: 'layout',
    expires: formatExpires(new Date(Date.now() + 365 * 86400_000)),
    readme: 'Cairn bench: verify an image from its registry evidence',
    keys: { [alice.publicKey.keyId]: keyDict(alice.publicKey) },
    inspect: [{
      _type: 'inspection', name: 'image', run: ['cairn:image'],
      expected_materials: [['MATCH', '*', 'WITH', 'PRODUCTS', 'FROM', names[EVIDENCE_STEPS - 1]!], ['ALLOW', '/oci/*'], ['ALLOW', '/config/*'], ['DISALLOW', '*']],
      expected_products: [['ALLOW', '*']],
    }],
    steps: names.map((name, i) => ({
      _type: 'step', name, threshold: 1, pubkeys: [alice.publicKey.keyId], expected_command: [],
      expected_materials: i === 0 ? [['ALLOW', '*']] : [['MATCH', '*', 'WITH', 'PRODUCTS', 'FROM', names[i - 1]!], ['DISALLOW', '*']],
      expected_products: [['MODIFY', '*'], ['CREATE', '*'], ['DELETE', '*'], ['DISALLOW', '*']],
    })),
  };
  const envelope = await signEnvelope(INTOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(layout)), [keySigner(ownerKey)]);
  writeFileSync(join(tmp, 'root.layout'), serializeDocument({ format: 'dsse', envelope }));
  const withRules = { ...layout, steps: layout.steps.map((s) => ({ ...s, expected_attributes: attributeRules(s.name) })) };
  const envelope2 = await signEnvelope(INTOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(withRules)), [keySigner(ownerKey)]);
  writeFileSync(join(tmp, 'root-attributes.layout'), serializeDocument({ format: 'dsse', envelope: envelope2 }));
  for (const [i, name] of names.entries()) {
    const link = makeLink({ name, command: [], materials: i === 0 ? {} : arts(i - 1), products: arts(i), byproducts: {} });
    const file = linkFileName(name, alice.publicKey.keyId, 'dsse');
    writeFileSync(join(tmp, 'links', file), serializeDocument(await signLink(link, [alice], 'dsse')));
    data.links.push(join(dir, 'links', file));
  }
  writeFileSync(join(tmp, 'done'), JSON.stringify(data.links));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return data;
}
