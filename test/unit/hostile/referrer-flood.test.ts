import { describe, it, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { digestOf } from '../../../src/digest/index.js';
import { OCI_INDEX, OCI_MANIFEST, referrersTag, referrerTag, EMPTY_BYTES, EMPTY_DESCRIPTOR, type Store } from '../../../src/oci/index.js';
import { RegistryClient, RegistryStore } from '../../../src/oci/remote/index.js';
import { buildArtifact, EVIDENCE_ARTIFACT_TYPE, ANNOTATION_STEP, ANNOTATION_PREDICATE_TYPE } from '../../../src/attest/index.js';
import { generateKey } from '../../../src/crypto/index.js';
import { makeStatement, signStatement, type Step } from '../../../src/intoto/index.js';
import { ReferrersEvidenceSource, type EvidenceSource } from '../../../src/evidence/index.js';
import type { Descriptor } from '../../../src/schema/index.js';
import { json, startHostileServer } from '../../helpers/hostile.js';

// Issue 13 §5: a flood of referrers that do not concern the layout used to block verification
// ("1001 referrers, more than the limit of 1000"; more than 10,000 on any listing). Anyone who
// can push to the repository can add referrers, so they are now chosen by artifactType and
// annotations (the layout's step names and predicate types) while the listing is read, page by
// page, before any limit applies: limits bound the candidates, and only candidates are fetched.

const server = await startHostileServer();
after(() => server.close());
const REPO = 'flood/app';
const stores: RegistryStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  server.requests.length = 0;
});

function store(): RegistryStore {
  const s = new RegistryStore(new RegistryClient(server.host, { backoffMs: 1, timeoutMs: 10_000 }), REPO);
  stores.push(s);
  return s;
}

type Route = (req: IncomingMessage, res: ServerResponse) => void;
function routes(table: Record<string, Route>): void {
  server.handle((req, res) => {
    const route = table[`${req.method} ${(req.url ?? '').split('?')[0]}`];
    if (route) return route(req, res);
    json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'unknown' }] });
  });
}
const serve = (bytes: Buffer, type: string): Route => (_req, res) => json(res, 200, bytes, { 'content-type': type });

const image = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: EMPTY_DESCRIPTOR, layers: [], annotations: { n: 'flooded image' } }));
const imageDesc: Descriptor = { mediaType: OCI_MANIFEST, digest: digestOf(image), size: image.length };
const build: Step = { _type: 'step', name: 'build', expected_materials: [], expected_products: [], pubkeys: [], expected_command: [], threshold: 1 } as unknown as Step;
const SLSA = 'https://slsa.dev/provenance/v1';
const provenance: Step = { ...build, name: 'provenance', expected_predicate_type: SLSA } as unknown as Step;

// The evidence that concerns the layout: a Statement for step `build`, attached to the image.
const key = generateKey('ed25519');
const doc = await signStatement(makeStatement([{ name: 'app', digest: { sha256: imageDesc.digest.slice(7) } }], 'https://in-toto.io/attestation/link/v0.3', { name: 'build', materials: [], products: [], command: [], byproducts: {}, environment: {} }), [key]);
const evidence = buildArtifact(doc, { artifactType: EVIDENCE_ARTIFACT_TYPE, subject: imageDesc, step: 'build' });
const evidenceEntry: Descriptor = { ...evidence.desc, annotations: evidence.manifest.annotations };

// Referrer number i of a flood: in-toto evidence for steps the layout does not have, evidence
// of other predicate types, and other artifact types (signatures, SBOMs).
function decoy(i: number): Descriptor {
  const kind = i % 3;
  return {
    mediaType: OCI_MANIFEST,
    digest: digestOf(`decoy ${i}`),
    size: 600,
    artifactType: kind === 2 ? 'application/vnd.dev.sigstore.bundle.v0.3+json' : EVIDENCE_ARTIFACT_TYPE,
    annotations: kind === 0 ? { [ANNOTATION_STEP]: `step-${i}` } : { [ANNOTATION_PREDICATE_TYPE]: `https://example.com/predicate/${i}` },
  };
}

const evidenceRoutes: Record<string, Route> = {
  [`GET /v2/${REPO}/manifests/${evidence.desc.digest}`]: serve(evidence.bytes, OCI_MANIFEST),
  [`GET /v2/${REPO}/blobs/${evidence.layer.desc.digest}`]: (_req, res) => json(res, 200, evidence.layer.bytes, { 'content-type': 'application/octet-stream' }),
  [`GET /v2/${REPO}/blobs/${EMPTY_DESCRIPTOR.digest}`]: (_req, res) => json(res, 200, Buffer.from(EMPTY_BYTES), { 'content-type': 'application/octet-stream' }),
};

function indexBytes(list: Descriptor[]): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: list }));
}

// What the source found for `step`, and the requests that were not listing pages.
async function candidates(s: Store, step: Step, steps: Step[] = [build, provenance], maxReferrers?: number) {
  const source = new ReferrersEvidenceSource(s, imageDesc, maxReferrers ? { maxReferrers } : {});
  (source as unknown as { expect?: (s: Step[]) => void }).expect?.(steps);
  const items = await (source as EvidenceSource).candidatesFor(step, []);
  return { source, items };
}

describe('hostile registry: a flood of referrers that do not concern the layout', () => {
  it('skips 100,000 of them over 200 pages of the referrers API and finds the one that counts', { timeout: 120_000 }, async () => {
    const TOTAL = 100_000;
    const PAGE = 500;
    routes({
      ...evidenceRoutes,
      [`GET /v2/${REPO}/referrers/sha256:${'0'.repeat(64)}`]: serve(indexBytes([]), OCI_INDEX),
      [`GET /v2/${REPO}/referrers/${imageDesc.digest}`]: (req, res) => {
        const page = Number(new URL(req.url ?? '', server.url).searchParams.get('page') ?? '0');
        const list = Array.from({ length: Math.min(PAGE, TOTAL - page * PAGE) }, (_, i) => decoy(page * PAGE + i));
        if ((page + 1) * PAGE >= TOTAL) list.push(evidenceEntry);
        const next: Record<string, string> = (page + 1) * PAGE < TOTAL ? { link: `</v2/${REPO}/referrers/${imageDesc.digest}?page=${page + 1}>; rel="next"` } : {};
        json(res, 200, indexBytes(list), { 'content-type': OCI_INDEX, ...next });
      },
    });
    const { items } = await candidates(store(), build);
    assert.equal(items.length, 1);
    assert.equal(items[0]!.error, undefined, items[0]!.error?.message);
    assert.ok(items[0]!.document, 'the evidence was read');
    const fetched = server.requests.filter((r) => !r.path.includes('/referrers/'));
    assert.deepEqual(fetched.map((r) => r.path.split('/').slice(-2).join('/')).sort(), [`blobs/${evidence.layer.desc.digest}`, `manifests/${evidence.desc.digest}`].sort(), 'only the candidate is fetched');
  });

  it('skips 12,000 of them in the sha256-<hex> index, and reads unindexed referrer tags only up to the candidate limit', async () => {
    const flood = Array.from({ length: 12_000 }, (_, i) => decoy(i));
    const unindexed = Array.from({ length: 50 }, (_, i) => referrerTag(imageDesc.digest as `sha256:${string}`, digestOf(`unindexed ${i}`) as `sha256:${string}`));
    routes({
      ...evidenceRoutes,
      [`GET /v2/${REPO}/referrers/sha256:${'0'.repeat(64)}`]: (_req, res) => json(res, 404, { errors: [] }),
      [`GET /v2/${REPO}/manifests/${referrersTag(imageDesc.digest as `sha256:${string}`)}`]: serve(indexBytes([...flood.slice(0, 6000), evidenceEntry, ...flood.slice(6000)]), OCI_INDEX),
      [`GET /v2/${REPO}/tags/list`]: (_req, res) => json(res, 200, { name: REPO, tags: [referrersTag(imageDesc.digest as `sha256:${string}`), ...unindexed] }),
    });
    const { items, source } = await candidates(store(), build, [build, provenance], 20);
    assert.equal(items.length, 1);
    assert.ok(items[0]!.document);
    const tagReads = server.requests.filter((r) => r.path.includes('.ref'));
    assert.equal(tagReads.length, 20, 'unindexed referrer tags are read up to the candidate limit');
    assert.match((source as unknown as { notes: string[] }).notes.join('\n'), /30 referrer tags of sha256:[0-9a-f]{64} that are not in its index were not read/);
    // issue 19: the report says what was left aside, all 12,000 (signatures and SBOMs too)
    assert.match((source as unknown as { notes: string[] }).notes.join('\n'), new RegExp(`12000 referrers of ${imageDesc.digest} are not Cairn evidence for the layout's steps`));
  });

  it('still refuses more candidates than the limit: a flood that names the layout\'s steps', async () => {
    routes({
      [`GET /v2/${REPO}/referrers/sha256:${'0'.repeat(64)}`]: serve(indexBytes([]), OCI_INDEX),
      [`GET /v2/${REPO}/referrers/${imageDesc.digest}`]: serve(indexBytes(Array.from({ length: 1001 }, (_, i) => ({ ...decoy(i), artifactType: EVIDENCE_ARTIFACT_TYPE, annotations: { [ANNOTATION_STEP]: 'build' } }))), OCI_INDEX),
    });
    await assert.rejects(candidates(store(), build), /more than 1000 candidate referrers/);
    // a predicate type the layout expects counts as naming it too, and other steps are not candidates
    routes({
      ...evidenceRoutes,
      [`GET /v2/${REPO}/referrers/sha256:${'0'.repeat(64)}`]: serve(indexBytes([]), OCI_INDEX),
      [`GET /v2/${REPO}/referrers/${imageDesc.digest}`]: serve(indexBytes([...Array.from({ length: 1001 }, (_, i) => ({ ...decoy(i), artifactType: EVIDENCE_ARTIFACT_TYPE, annotations: { [ANNOTATION_PREDICATE_TYPE]: SLSA } })), evidenceEntry]), OCI_INDEX),
    });
    await assert.rejects(candidates(store(), build), /more than 1000 candidate referrers/);
    assert.equal((await candidates(store(), build, [build])).items.length, 1);
  });
});
