import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyDict, signBytes, type PrivateKey } from '../../src/crypto/index.js';
import { JsonNumber, prettySortedJson } from '../../src/encoding/index.js';
import { makeLink, signMetablock, type RawMetablock } from '../../src/intoto/index.js';

// Random supply chains for the signature differential (issue 13 §6): one layout signed by the
// owner, one to three steps, link files made and then broken in the ways an attacker with write
// access to a link directory can: signatures under keyids that name no key or name it in upper
// case, a link file named for another functionary, one file signed by two functionaries, a bad
// signature before a good one under the same keyid (links and the layout), bad signatures,
// outsiders, and contents canonical JSON must handle exactly (integers beyond 2^53, a float, a
// lone surrogate). A few classes are where Cairn is deliberately stricter than in-toto 1.3.1
// (docs/policy.md): the case records it, and Cairn must fail those.

import { prng } from '../helpers/prng.js';

export { prng };

/** The keys of every case: the owner, functionaries a-d, and an outsider. */
export interface CaseKeys {
  owner: PrivateKey;
  functionaries: PrivateKey[];
  outsider: PrivateKey;
}

/** One generated case on disk (root.layout, links/) and what was done to it. */
export interface SignatureCase {
  dir: string;
  /** The mutations applied, for the failure message. */
  mutations: string[];
  /** Set when the case holds something Cairn refuses on purpose and in-toto 1.3.1 accepts. */
  stricter?: string;
}

const MUTATIONS = [
  'keyid-unknown', 'keyid-upper', 'misnamed', 'double-signed', 'bad-then-good', 'layout-bad-then-good',
  'bad-signature', 'outsider', 'big-integer', 'float', 'lone-surrogate', 'key-twice', 'threshold-zero', 'wrong-name',
] as const;
type Mutation = (typeof MUTATIONS)[number];

const id8 = (k: PrivateKey) => k.publicKey.keyId.slice(0, 8);
const hex = (r: () => number, n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');

interface LinkFile {
  step: string;
  name: string; // the keyid prefix in the file name
  mb: RawMetablock;
  text?: string; // set when the file is not prettySortedJson(mb)
}

/** Writes case number `n` under `root`. */
export function makeCase(root: string, n: number, keys: CaseKeys, r: () => number): SignatureCase {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const mutations: Mutation[] = [];
  for (let i = Math.floor(r() * 3); i > 0; i--) mutations.push(pick(MUTATIONS));
  const has = (m: Mutation) => mutations.includes(m);
  const out: SignatureCase = { dir: join(root, `case-${n}`), mutations: [] };

  // steps, their functionaries and thresholds (sometimes more than can be met)
  const steps = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) => {
    const pubkeys = keys.functionaries.filter(() => r() < 0.5);
    if (pubkeys.length === 0) pubkeys.push(pick(keys.functionaries));
    const threshold = r() < 0.1 ? pubkeys.length + 1 : 1 + Math.floor(r() * pubkeys.length);
    return { name: `step${i}`, pubkeys, threshold };
  });
  const layoutKeys: Record<string, unknown> = {};
  for (const s of steps) for (const k of s.pubkeys) layoutKeys[k.publicKey.keyId] = keyDict(k.publicKey);
  const stepBodies: Record<string, unknown>[] = steps.map((s) => ({
    _type: 'step', name: s.name, threshold: s.threshold, pubkeys: s.pubkeys.map((k) => k.publicKey.keyId),
    expected_command: [], expected_materials: [], expected_products: [],
  }));
  const files: LinkFile[] = [];
  const products = { 'out/app': { sha256: hex(r, 64) } };
  const special = has('big-integer') ? pick(steps).name : undefined;
  for (const s of steps) {
    const byproducts: Record<string, unknown> = { 'return-value': 0, stdout: '', stderr: '' };
    if (s.name === special) byproducts['count'] = new JsonNumber((2n ** 60n + BigInt(Math.floor(r() * 1000))).toString(), true);
    const body = makeLink({ name: s.name, products, byproducts }) as unknown as Record<string, unknown>;
    for (const k of s.pubkeys) if (r() < 0.85) files.push({ step: s.name, name: id8(k), mb: signMetablock(body, [k]) });
  }
  const some = () => (files.length > 0 ? pick(files) : undefined);
  const keyOf = (f: LinkFile) => keys.functionaries.find((k) => id8(k) === f.name) ?? keys.outsider;
  const badSig = (k: PrivateKey) => signBytes(k, Buffer.from(`not this ${hex(r, 8)}`)).toString('hex');

  for (const m of mutations) {
    const f = some();
    out.mutations.push(m);
    switch (m) {
      case 'keyid-unknown':
        if (f) f.mb.signatures[0]!.keyid = hex(r, 64);
        break;
      case 'keyid-upper':
        if (f) f.mb.signatures[0]!.keyid = f.mb.signatures[0]!.keyid.toUpperCase();
        break;
      case 'misnamed': {
        const other = pick(keys.functionaries);
        if (f && !files.some((g) => g.step === f.step && g.name === id8(other))) f.name = id8(other);
        break;
      }
      case 'double-signed': {
        if (!f) break;
        const step = steps.find((s) => s.name === f.step)!;
        const second = pick(step.pubkeys);
        f.mb = signMetablock(f.mb.signed, [keyOf(f), second]);
        const own = files.findIndex((g) => g !== f && g.step === f.step && g.name === id8(second));
        if (own >= 0 && r() < 0.7) files.splice(own, 1); // the second signer's own file gone: one file, two signers
        break;
      }
      case 'bad-then-good':
        if (f) f.mb.signatures.unshift({ keyid: f.mb.signatures[0]!.keyid, sig: badSig(keyOf(f)) });
        break;
      case 'bad-signature':
        if (f) f.mb.signatures[0]!.sig = badSig(keyOf(f));
        break;
      case 'outsider': {
        const step = pick(steps);
        const body = makeLink({ name: step.name, products }) as unknown as Record<string, unknown>;
        files.push({ step: step.name, name: r() < 0.5 ? id8(keys.outsider) : id8(pick(step.pubkeys)), mb: signMetablock(body, [keys.outsider]) });
        break;
      }
      case 'float':
        if (f) {
          f.mb = signMetablock({ ...f.mb.signed, byproducts: { ...(f.mb.signed['byproducts'] as object), 'cairn-float': 1 } }, [keyOf(f)]);
          f.text = prettySortedJson(f.mb).replace('"cairn-float": 1', '"cairn-float": 1.0');
        }
        break;
      case 'lone-surrogate':
        // signed over U+FFFD, the file says \ud800: what a lossy encoder would have checked
        if (f) {
          f.mb = signMetablock({ ...f.mb.signed, command: ['echo', 'x\uFFFD'] }, [keyOf(f)]);
          f.text = prettySortedJson(f.mb).replace('x\uFFFD', 'x\\ud800');
        }
        break;
      case 'key-twice': {
        // one key under its second keyid too, with a file for each name: in-toto counts two
        const step = pick(steps);
        const k = pick(step.pubkeys);
        const modern = [...k.publicKey.keyIds].find((id) => id !== k.publicKey.keyId && id.slice(0, 8) !== id8(k))!;
        layoutKeys[modern] = keyDict(k.publicKey);
        const body = stepBodies[steps.indexOf(step)]!;
        body['pubkeys'] = [...(body['pubkeys'] as string[]), modern];
        body['threshold'] = 2;
        const link = makeLink({ name: step.name, products }) as unknown as Record<string, unknown>;
        for (const g of [...files]) if (g.step === step.name) files.splice(files.indexOf(g), 1);
        files.push({ step: step.name, name: id8(k), mb: signMetablock(link, [k]) }, { step: step.name, name: modern.slice(0, 8), mb: signMetablock(link, [k]) });
        out.stricter = 'one key under two keyids counts once';
        break;
      }
      case 'threshold-zero':
        stepBodies[0]!['threshold'] = 0;
        out.stricter = 'a threshold below 1 is a bad layout';
        break;
      case 'wrong-name':
        if (f) {
          f.mb = signMetablock({ ...f.mb.signed, name: 'elsewhere' }, [keyOf(f)]);
          out.stricter = 'a link must name its step';
        }
        break;
      case 'layout-bad-then-good':
        break; // applied once the layout is signed
    }
  }

  const layout = signMetablock({ _type: 'layout', expires: '2099-01-01T00:00:00Z', readme: '', keys: layoutKeys, steps: stepBodies, inspect: [] }, [keys.owner]);
  if (has('layout-bad-then-good')) layout.signatures.unshift({ keyid: keys.owner.publicKey.keyId, sig: badSig(keys.owner) });
  mkdirSync(join(out.dir, 'links'), { recursive: true });
  writeFileSync(join(out.dir, 'root.layout'), prettySortedJson(layout));
  for (const f of files) writeFileSync(join(out.dir, 'links', `${f.step}.${f.name}.link`), f.text ?? prettySortedJson(f.mb));
  return out;
}

// in_toto 1.3.1's verifylib over many cases in one process: one line of JSON in (the owner key
// and the case directories), one verdict a line out.
export const REFERENCE_VERIFY = `
import sys, json, logging
logging.disable(logging.CRITICAL)
from in_toto import verifylib
from in_toto.models.metadata import Metablock
spec = json.load(open(sys.argv[1]))
key = spec["owner"]
for d in spec["cases"]:
    try:
        verifylib.in_toto_verify(Metablock.load(d + "/root.layout"), {key["keyid"]: key}, d + "/links")
        print("PASS", flush=True)
    except BaseException as e:
        print("FAIL %s: %s" % (type(e).__name__, str(e).replace("\\n", " ")[:200]), flush=True)
`;
