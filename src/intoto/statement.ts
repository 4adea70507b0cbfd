import { STATEMENT_V1, type ResourceDescriptor, type Statement } from '../schema/index.js';

// Spec: https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md

export const LINK_PREDICATE_V03 = 'https://in-toto.io/attestation/link/v0.3';
/** The deprecated link predicate URI prefix that cosign `--type link` still emits. */
export const LINK_PREDICATE_DEPRECATED_PREFIX = 'https://in-toto.io/Link/';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const SLSA_PROVENANCE_V02 = 'https://slsa.dev/provenance/v0.2';
export const VERIFICATION_SUMMARY_V1 = 'https://slsa.dev/verification_summary/v1';

/** Builds a v1 Statement. */
export function makeStatement(subject: ResourceDescriptor[], predicateType: string, predicate: Record<string, unknown>): Statement {
  return { _type: STATEMENT_V1, subject, predicateType, predicate };
}

/** True for the link predicate, current or deprecated. */
export function isLinkPredicate(predicateType: string): boolean {
  return predicateType === LINK_PREDICATE_V03 || predicateType.startsWith(LINK_PREDICATE_DEPRECATED_PREFIX);
}
