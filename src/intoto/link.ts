import { createHash } from 'node:crypto';
import { CairnError } from '../errors.js';
import {
  LinkPredicateSchema,
  parseWith,
  type Link,
  type ResourceDescriptor,
  type Statement,
} from '../schema/index.js';
import { LINK_PREDICATE_V03, makeStatement } from './statement.js';

// Links in both encodings. Conversion follows the link predicate's own rules:
// products <-> statement.subject, materials <-> predicate.materials, as {name: digest}.
// Spec: https://github.com/in-toto/attestation/blob/main/spec/predicates/link.md

/** `{path: {alg: hex}}`: what a step consumed or produced. */
export type ArtifactMap = Record<string, Record<string, string>>;

/** The fields of a link that `cairn run` records. */
export interface LinkFields {
  name: string;
  command?: string[];
  materials?: ArtifactMap;
  products?: ArtifactMap;
  byproducts?: Record<string, unknown>;
  environment?: Record<string, unknown>;
}

/** A legacy link object with exactly in-toto's seven fields (in-toto-golang rejects any other). */
export function makeLink(f: LinkFields): Link {
  return {
    _type: 'link',
    name: f.name,
    materials: f.materials ?? {},
    products: f.products ?? {},
    byproducts: f.byproducts ?? {},
    command: f.command ?? [],
    environment: f.environment ?? {},
  };
}

/** Artifact map to ResourceDescriptors, sorted by name for stable output. */
export function descriptorsOf(artifacts: ArtifactMap): ResourceDescriptor[] {
  return Object.keys(artifacts)
    .sort()
    .map((name) => ({ name, digest: artifacts[name]! }));
}

/**
 * ResourceDescriptors to an artifact map. Each needs something to hash (a digest, or content,
 * hashed with sha256) and a unique name: its `name`, else its `uri`, else its digest written
 * `alg:hex` (a nameless subject, as cosign v3 writes, stays visible to artifact rules).
 */
export function artifactsOf(list: ResourceDescriptor[], where: string): ArtifactMap {
  const out: ArtifactMap = Object.create(null);
  list.forEach((rd, i) => {
    const digest = rd.digest ?? (typeof rd.content === 'string' ? { sha256: createHash('sha256').update(Buffer.from(rd.content, 'base64')).digest('hex') } : undefined);
    if (!digest || Object.keys(digest).length === 0) {
      const what = rd.name === undefined && rd.uri === undefined ? 'one of uri, digest or content' : 'a digest or content';
      throw new CairnError('SCHEMA_INVALID', `a resource descriptor needs ${what} to be an artifact`, { where: `${where}[${i}]` });
    }
    const name = rd.name ?? rd.uri ?? digestName(digest);
    if (Object.prototype.hasOwnProperty.call(out, name)) {
      throw new CairnError('SCHEMA_INVALID', `duplicate artifact name ${JSON.stringify(name)}`, { where: `${where}[${i}]` });
    }
    out[name] = digest;
  });
  return out;
}

// `sha256:<hex>` (or the first algorithm by name when there is no sha256): the name of a nameless artifact.
function digestName(digest: Record<string, string>): string {
  const alg = digest['sha256'] !== undefined ? 'sha256' : Object.keys(digest).sort()[0]!;
  return `${alg}:${digest[alg]}`;
}

/** A legacy link as a Statement with the link v0.3 predicate. */
export function linkToStatement(link: Link): Statement {
  return makeStatement(descriptorsOf(link.products), LINK_PREDICATE_V03, {
    name: link.name,
    command: link.command,
    materials: descriptorsOf(link.materials),
    byproducts: link.byproducts,
    environment: link.environment,
  });
}

/** A link v0.3 Statement as a legacy link. */
export function statementToLink(stmt: Statement, where = 'statement'): Link {
  const p = parseWith(LinkPredicateSchema, stmt.predicate ?? {}, `${where}: predicate`);
  return makeLink({
    name: p.name,
    command: p.command,
    materials: artifactsOf(p.materials, `${where}: predicate.materials`),
    products: artifactsOf(stmt.subject, `${where}: subject`),
    byproducts: p.byproducts,
    environment: p.environment,
  });
}
