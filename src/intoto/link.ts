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

/** ResourceDescriptors to an artifact map; each needs a unique name (or uri) and a digest. */
export function artifactsOf(list: ResourceDescriptor[], where: string): ArtifactMap {
  const out: ArtifactMap = Object.create(null);
  list.forEach((rd, i) => {
    const name = rd.name ?? rd.uri;
    if (name === undefined || !rd.digest) {
      throw new CairnError('SCHEMA_INVALID', 'a resource descriptor needs a name (or uri) and a digest', { where: `${where}[${i}]` });
    }
    if (Object.prototype.hasOwnProperty.call(out, name)) {
      throw new CairnError('SCHEMA_INVALID', `duplicate artifact name ${JSON.stringify(name)}`, { where: `${where}[${i}]` });
    }
    out[name] = rd.digest;
  });
  return out;
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
