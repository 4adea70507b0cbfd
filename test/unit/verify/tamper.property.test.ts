// Moved from test/unit/policy/tamper.property.test.ts (issue 14: policy/ split into verify/, image-verify/, author/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCairnError } from '../../../src/errors.js';
import { decodeBase64, encodeBase64 } from '../../../src/encoding/index.js';
import { verifyLayout } from '../../../src/verify/index.js';
import type { SignedDocument } from '../../../src/intoto/index.js';
import { arts, key, layoutBody, link, MemoryEvidence, signLayoutBody } from './fixtures.js';

// Any change to a byte that a signature covers must make verification fail (or refuse the
// input): every string, number and key of a Metablock's `signed` part, every byte of a DSSE
// payload, for the layout and for each link.

const owner = key('owner');
const bob = key('bob');
const carl = key('carl');
const src = arts({ 'src/a.py': 'a', 'src/b.py': 'b' });
const tar = arts({ 'app.tar': 'tar' });
const body = layoutBody([
  { name: 'write', keys: [bob.publicKey], products: [['CREATE', 'src/*'], ['DISALLOW', '*']] },
  { name: 'package', keys: [carl.publicKey], materials: [['MATCH', 'src/*', 'WITH', 'PRODUCTS', 'FROM', 'write'], ['DISALLOW', '*']], products: [['CREATE', 'app.tar']] },
]);

async function docs(format: 'legacy' | 'dsse'): Promise<SignedDocument[]> {
  return [await signLayoutBody(body, [owner], format), await link('write', bob, {}, src, format), await link('package', carl, src, tar, format)];
}

async function passes(d: SignedDocument[]): Promise<boolean> {
  const evidence = new MemoryEvidence().add('write', d[1]!).add('package', d[2]!);
  try {
    return (await verifyLayout({ layout: d[0]!, layoutKeys: [owner.publicKey], evidence })).verdict === 'pass';
  } catch (err) {
    if (isCairnError(err)) return false;
    throw err;
  }
}

// Every place in a JSON value that can be changed: [path, kind].
function leaves(v: unknown, path: (string | number)[] = []): { path: (string | number)[]; key?: boolean }[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...path, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [{ path: [...path, k], key: true }, ...leaves(x, [...path, k])]);
  return [{ path }];
}

function mutate(signed: Record<string, unknown>, at: { path: (string | number)[]; key?: boolean }, salt: number): Record<string, unknown> {
  const copy = structuredClone(signed);
  type Node = Record<string | number, unknown>;
  const parent = at.path.slice(0, -1).reduce<Node>((o, k) => o[k] as Node, copy as Node);
  const last = at.path[at.path.length - 1]!;
  if (at.key) {
    parent[`${String(last)}${String.fromCharCode(97 + (salt % 26))}`] = parent[last];
    delete parent[last];
  } else if (typeof parent[last] === 'string') {
    const s = parent[last] as string;
    const i = salt % (s.length + 1);
    parent[last] = s.slice(0, i) + String.fromCharCode(33 + (salt % 90)) + s.slice(i + (s.length > i && s.charCodeAt(i) !== 33 + (salt % 90) ? 1 : 0));
    if (parent[last] === s) parent[last] = `${s}x`;
  } else if (typeof parent[last] === 'number') {
    parent[last] = (parent[last] as number) + 1 + (salt % 3);
  } else {
    parent[last] = parent[last] === null ? 0 : null;
  }
  return copy;
}

describe('signatures cover every byte', () => {
  it('a passing chain passes untouched (legacy and DSSE)', async () => {
    assert.ok(await passes(await docs('legacy')));
    assert.ok(await passes(await docs('dsse')));
  });

  it('any change inside a Metablock\'s signed part fails verification', async () => {
    const base = await docs('legacy');
    const places = base.map((d) => leaves(d.format === 'legacy' ? d.metablock.signed : {}));
    await fc.assert(fc.asyncProperty(fc.nat(2), fc.nat(), fc.nat(), async (which, pick, salt) => {
      const doc = base[which]!;
      if (doc.format !== 'legacy') return;
      const at = places[which]![pick % places[which]!.length]!;
      const tampered = [...base];
      tampered[which] = { format: 'legacy', metablock: { ...doc.metablock, signed: mutate(doc.metablock.signed, at, salt) } };
      assert.equal(await passes(tampered), false, `changed ${at.key ? 'key' : 'value'} at ${at.path.join('.')} of document ${which}`);
    }), { numRuns: 300 });
  });

  it('any changed byte of a DSSE payload fails verification', async () => {
    const base = await docs('dsse');
    await fc.assert(fc.asyncProperty(fc.nat(2), fc.nat(), fc.integer({ min: 1, max: 255 }), async (which, pos, flip) => {
      const doc = base[which]!;
      if (doc.format !== 'dsse') return;
      const payload = Buffer.from(decodeBase64(doc.envelope.payload));
      const i = pos % payload.length;
      payload[i] = payload[i]! ^ flip;
      const tampered = [...base];
      tampered[which] = { format: 'dsse', envelope: { ...doc.envelope, payload: encodeBase64(payload) } };
      assert.equal(await passes(tampered), false, `flipped byte ${i} of document ${which}`);
    }), { numRuns: 300 });
  });
});
