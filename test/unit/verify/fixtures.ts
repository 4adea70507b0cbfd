// Moved from test/unit/policy/fixtures.ts (issue 14: policy/ split into verify/, image-verify/, author/).
import assert from 'node:assert/strict';
import { generateKey, keyDict, type PrivateKey, type PublicKey } from '../../../src/crypto/index.js';
import { makeLink, signLink, signMetablock, signStatement, makeStatement, type ArtifactMap, type MetadataFormat, type SignedDocument, type Step } from '../../../src/intoto/index.js';
import { INTOTO_PAYLOAD_TYPE, signEnvelope } from '../../../src/dsse/index.js';
import { keySigner } from '../../../src/crypto/index.js';
import type { InspectionRecord, InspectionRunner } from '../../../src/verify/index.js';
import type { AuthorisedKey, EvidenceItem, EvidenceSource } from '../../../src/evidence/index.js';
import type { Inspection } from '../../../src/intoto/index.js';

// Small in-memory supply chains for engine tests: keys, layouts, links, an EvidenceSource over
// a map, and an InspectionRunner that returns canned records (no child processes).

const KEYS = new Map<string, PrivateKey>();

/** A named ed25519 key, made once per test process. */
export function key(name: string): PrivateKey {
  let k = KEYS.get(name);
  if (!k) KEYS.set(name, (k = generateKey('ed25519')));
  return k;
}

/** `{path: {sha256}}` from `{path: content}`. */
export function arts(files: Record<string, string>): ArtifactMap {
  const out: ArtifactMap = {};
  for (const [p, c] of Object.entries(files)) out[p] = { sha256: Buffer.from(c).toString('hex').padEnd(64, '0').slice(0, 64) };
  return out;
}

export interface StepSpec {
  name: string;
  keys: PublicKey[];
  threshold?: number;
  materials?: string[][];
  products?: string[][];
  command?: string[];
  extra?: Record<string, unknown>;
}

/** A layout body. */
export function layoutBody(steps: StepSpec[], inspect: Record<string, unknown>[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const keys: Record<string, unknown> = {};
  for (const s of steps) for (const k of s.keys) keys[k.keyId] = keyDict(k);
  return {
    _type: 'layout',
    expires: '2099-01-01T00:00:00Z',
    readme: '',
    keys,
    steps: steps.map((s) => ({
      _type: 'step', name: s.name, threshold: s.threshold ?? 1, pubkeys: s.keys.map((k) => k.keyId),
      expected_command: s.command ?? [], expected_materials: s.materials ?? [], expected_products: s.products ?? [], ...s.extra,
    })),
    inspect: inspect.map((i) => ({ _type: 'inspection', expected_materials: [], expected_products: [], ...i })),
    ...extra,
  };
}

/** Signs a layout body. */
export async function signLayoutBody(body: Record<string, unknown>, keys: PrivateKey[], format: MetadataFormat = 'legacy'): Promise<SignedDocument> {
  if (format === 'legacy') return { format, metablock: signMetablock(body, keys) };
  return { format, envelope: await signEnvelope(INTOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(body)), keys.map(keySigner)) };
}

/** A signed link. */
export async function link(name: string, signer: PrivateKey, m: ArtifactMap, p: ArtifactMap, format: MetadataFormat = 'legacy', command: string[] = []): Promise<SignedDocument> {
  return signLink(makeLink({ name, materials: m, products: p, command }), [signer], format);
}

/** A signed Statement of any predicate. */
export async function statement(predicateType: string, subject: ArtifactMap, signer: PrivateKey, predicate: Record<string, unknown> = {}): Promise<SignedDocument> {
  const rds = Object.entries(subject).map(([name, digest]) => ({ name, digest }));
  return signStatement(makeStatement(rds, predicateType, predicate), [signer]);
}

/** Evidence held in memory: step name -> items; sublayouts under `<step>/<keyid8>`. */
export class MemoryEvidence implements EvidenceSource {
  readonly items = new Map<string, EvidenceItem[]>();
  readonly subs = new Map<string, MemoryEvidence>();
  constructor(readonly description = 'memory') {}

  add(step: string, document: SignedDocument, origin = `${step}.${this.items.get(step)?.length ?? 0}`): this {
    this.items.set(step, [...(this.items.get(step) ?? []), { origin: { store: 'directory', path: origin }, document }]);
    return this;
  }

  addError(step: string, error: EvidenceItem['error'] & object): this {
    this.items.set(step, [...(this.items.get(step) ?? []), { origin: { store: 'directory', path: `${step}.bad` }, error }]);
    return this;
  }

  sub(step: string, keyId: string): MemoryEvidence {
    const k = `${step}/${keyId.slice(0, 8)}`;
    let s = this.subs.get(k);
    if (!s) this.subs.set(k, (s = new MemoryEvidence(`${this.description}/${k}`)));
    return s;
  }

  async candidatesFor(step: Step, _authorised: readonly AuthorisedKey[]): Promise<EvidenceItem[]> {
    return this.items.get(step.name) ?? [];
  }

  forSublayout(step: Step, functionary: AuthorisedKey): EvidenceSource {
    return this.sub(step.name, functionary.keyId);
  }
}

/** An InspectionRunner that returns what it is told, and records what it ran. */
export class CannedInspections implements InspectionRunner {
  readonly ran: string[] = [];
  constructor(private readonly records: Record<string, InspectionRecord>) {}
  async run(inspection: Inspection): Promise<InspectionRecord> {
    this.ran.push(inspection.name);
    const r = this.records[inspection.name];
    if (!r) assert.fail(`no canned record for ${inspection.name}`);
    return r;
  }
}
