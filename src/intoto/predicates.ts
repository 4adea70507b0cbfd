import type { ResourceDescriptor, Statement } from '../schema/index.js';
import { artifactsOf, type ArtifactMap } from './link.js';
import { isLinkPredicate, SLSA_PROVENANCE_V02, SLSA_PROVENANCE_V1 } from './statement.js';

// Materials and products of evidence of any predicate type, as in-toto's attestation-verifier
// maps them (ITE-10): link -> (predicate.materials, subject); SLSA v1 ->
// (buildDefinition.resolvedDependencies, subject); SLSA v0.2 -> (materials, subject); any other
// predicate -> materials and products are both the subject.
// Source: in-toto/attestation-verifier verifier/rules.go

export interface EvidenceArtifacts {
  materials: ArtifactMap;
  products: ArtifactMap;
}

function descriptors(value: unknown): ResourceDescriptor[] {
  return Array.isArray(value) ? (value.filter((v) => v && typeof v === 'object') as ResourceDescriptor[]) : [];
}

/** The artifacts a Statement speaks about, for artifact rules. */
export function statementArtifacts(stmt: Statement, where = 'statement'): EvidenceArtifacts {
  const products = artifactsOf(stmt.subject, `${where}: subject`);
  const p = (stmt.predicate ?? {}) as Record<string, unknown>;
  if (isLinkPredicate(stmt.predicateType)) {
    return { materials: artifactsOf(descriptors(p['materials']), `${where}: predicate.materials`), products };
  }
  if (stmt.predicateType === SLSA_PROVENANCE_V1) {
    const bd = (p['buildDefinition'] ?? {}) as Record<string, unknown>;
    return { materials: artifactsOf(descriptors(bd['resolvedDependencies']), `${where}: predicate.buildDefinition.resolvedDependencies`), products };
  }
  if (stmt.predicateType === SLSA_PROVENANCE_V02) {
    return { materials: artifactsOf(descriptors(p['materials']), `${where}: predicate.materials`), products };
  }
  return { materials: products, products };
}
