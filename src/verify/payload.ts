import { interpretPayload, isLinkPredicate, statementArtifacts, type Statement } from '../intoto/index.js';
import { indexArtifacts, type ArtifactIndex, type DigestSet, type Digests } from '../rules/index.js';
import { isStringArray, parseLinkBody, STATEMENT_V01, STATEMENT_V1 } from '../schema/index.js';
import type { IndexStore } from './packed-index.js';

// What a verified evidence body is (a link, a sublayout, or a Statement of another predicate),
// with its artifacts as Maps ready for the rules. The two big cases, a legacy link and a
// link-predicate Statement, are read in one pass without zod (a 10k-artifact link costs zod
// tens of milliseconds); anything a fast path does not fully recognise goes through intoto's
// interpretPayload, which either reads it or reports exactly what is wrong.

/** A verified evidence body. */
export type EvidenceBody =
  | {
      readonly kind: 'link';
      readonly name: string;
      readonly command: readonly string[];
      readonly byproducts: Readonly<Record<string, unknown>>;
      /** The link's environment (read by attribute rules). */
      readonly environment?: Readonly<Record<string, unknown>>;
      readonly materials: ArtifactIndex;
      readonly products: ArtifactIndex;
      /** For a Statement: its predicate type; absent for a legacy link. */
      readonly predicateType?: string;
    }
  | { readonly kind: 'layout' }
  | { readonly kind: 'statement'; readonly statement: Statement };

// Spec: https://github.com/in-toto/attestation/blob/main/spec/v1/envelope.md
const INTOTO_TYPE_RE = /^application\/vnd\.in-toto(?:\.[^+/]+)?\+json$/;

/** True for `application/vnd.in-toto+json` and `application/vnd.in-toto.<predicate>+json`. */
export function isIntotoPayloadType(t: string): boolean {
  return INTOTO_TYPE_RE.test(t);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const optString = (v: unknown) => v === undefined || typeof v === 'string';

// Keeps a string once per verification (packed-index.ts), or as it is without a pool.
type Intern = (s: string) => string;
const asIs: Intern = (s) => s;

// A digest set ({alg: string}) in the index's form, or undefined if it is not one. One pass,
// no key array: a 100k-artifact link has 200k of them.
function digestsOf(d: unknown, intern: Intern): Digests | undefined {
  if (!isObj(d)) return undefined;
  let n = 0;
  let sha256: string | undefined;
  for (const k in d) {
    const v = d[k];
    if (typeof v !== 'string') return undefined;
    if (n++ === 0 && k === 'sha256') sha256 = v;
  }
  return n === 1 && sha256 !== undefined ? intern(sha256) : (d as DigestSet);
}

// `{path: {alg: hex}}` as a Map, or undefined if it is not one.
function mapIndex(v: unknown, intern: Intern): ArtifactIndex | undefined {
  if (v === undefined) return new Map();
  if (!isObj(v)) return undefined;
  const m = new Map<string, Digests>();
  for (const k in v) {
    const d = digestsOf(v[k], intern);
    if (d === undefined) return undefined;
    m.set(intern(k), d);
  }
  return m;
}

// ResourceDescriptors as a Map, or undefined if any is unusual (the slow path decides).
function descriptorIndex(list: unknown, intern: Intern): ArtifactIndex | undefined {
  if (list === undefined) return new Map();
  if (!Array.isArray(list)) return undefined;
  const m = new Map<string, Digests>();
  for (const rd of list) {
    if (!isObj(rd) || !optString(rd['name']) || !optString(rd['uri']) || !optString(rd['content'])) return undefined;
    if (!optString(rd['downloadLocation']) || !optString(rd['mediaType']) || (rd['annotations'] !== undefined && !isObj(rd['annotations']))) return undefined;
    const name = rd['name'] ?? rd['uri'];
    const digest = digestsOf(rd['digest'], intern);
    if (typeof name !== 'string' || digest === undefined) return undefined;
    const size = m.size;
    m.set(intern(name), digest);
    if (m.size === size) return undefined; // a name twice: the slow path reports it
  }
  return m;
}

function fastLink(body: Obj, intern: Intern): EvidenceBody | undefined {
  const { name, command, byproducts, environment } = body;
  if (typeof name !== 'string' || !(command === undefined || isStringArray(command))) return undefined;
  if (!(byproducts === undefined || isObj(byproducts)) || !(environment === undefined || isObj(environment))) return undefined;
  const materials = mapIndex(body['materials'], intern);
  const products = mapIndex(body['products'], intern);
  if (!materials || !products) return undefined;
  return { kind: 'link', name, command: command ?? [], byproducts: byproducts ?? {}, ...(environment ? { environment } : {}), materials, products };
}

function fastLinkStatement(body: Obj, intern: Intern): EvidenceBody | undefined {
  const type = body['_type'];
  const predicateType = body['predicateType'];
  if ((type !== STATEMENT_V1 && type !== STATEMENT_V01) || typeof predicateType !== 'string' || !isLinkPredicate(predicateType)) return undefined;
  const p = body['predicate'];
  if (!isObj(p) || p['_type'] !== undefined || typeof p['name'] !== 'string') return undefined;
  const { command, byproducts, environment } = p;
  if (!(command === undefined || isStringArray(command)) || !(byproducts === undefined || isObj(byproducts)) || !(environment === undefined || isObj(environment))) return undefined;
  const products = descriptorIndex(body['subject'], intern);
  const materials = descriptorIndex(p['materials'], intern);
  if (!products || !materials || !Array.isArray(body['subject'])) return undefined;
  return { kind: 'link', name: p['name'], command: command ?? [], byproducts: byproducts ?? {}, ...(environment ? { environment } : {}), materials, products, predicateType };
}

/**
 * Reads a verified body as evidence; throws SCHEMA_INVALID for a malformed one. With a pool,
 * the artifact names and digests of the fast paths are kept once per verification.
 */
export function readEvidenceBody(body: Record<string, unknown>, where: string, pool?: IndexStore): EvidenceBody {
  const intern: Intern = pool ? (s) => pool.intern(s) : asIs;
  if (body['_type'] === 'link') {
    const fast = fastLink(body, intern);
    if (fast) return fast;
    const link = parseLinkBody(body, where);
    return { kind: 'link', name: link.name, command: link.command, byproducts: link.byproducts, environment: link.environment, materials: indexArtifacts(link.materials), products: indexArtifacts(link.products) };
  }
  const fast = fastLinkStatement(body, intern);
  if (fast) return fast;
  const p = interpretPayload(body, where);
  if (p.kind === 'layout') return { kind: 'layout' };
  if (p.kind === 'statement') return p;
  const l = p.link;
  return {
    kind: 'link', name: l.name, command: l.command, byproducts: l.byproducts, environment: l.environment, materials: indexArtifacts(l.materials), products: indexArtifacts(l.products),
    ...(p.statement ? { predicateType: p.statement.predicateType } : {}),
  };
}

/** A Statement's materials and products (ITE-10 mapping) as Maps. */
export function statementIndex(st: Statement, where: string): { materials: ArtifactIndex; products: ArtifactIndex } {
  const a = statementArtifacts(st, where);
  return { materials: indexArtifacts(a.materials), products: indexArtifacts(a.products) };
}
