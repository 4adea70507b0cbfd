import { CairnError } from '../errors.js';
import { digestHex, type Digest } from '../digest/index.js';
import { LINK_PREDICATE_V03, SLSA_PROVENANCE_V02, SLSA_PROVENANCE_V1, VERIFICATION_SUMMARY_V1, makeStatement } from '../intoto/index.js';
import type { Statement } from '../schema/index.js';

// `cairn attest`: any predicate wrapped in a v1 Statement whose subject is the image digest.
// Spec: https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md

/** Short names for common predicate types (cosign's `--type` names where they exist). */
export const PREDICATE_TYPES: Record<string, string> = {
  slsaprovenance: SLSA_PROVENANCE_V02,
  slsaprovenance02: SLSA_PROVENANCE_V02,
  slsaprovenance1: SLSA_PROVENANCE_V1,
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  link: LINK_PREDICATE_V03,
  'test-result': 'https://in-toto.io/attestation/test-result/v0.1',
  vulns: 'https://in-toto.io/attestation/vulns/v0.2',
  vsa: VERIFICATION_SUMMARY_V1,
};

/** A predicate type from `--type`: a URI, or one of the short names. */
export function predicateTypeOf(type: string): string {
  if (/^[a-z][a-z0-9+.-]*:\S+$/i.test(type)) return type;
  const known = PREDICATE_TYPES[type.toLowerCase()];
  if (!known) throw new CairnError('INVALID_ARGUMENT', `unknown predicate type ${JSON.stringify(type)}: give a URI or one of ${Object.keys(PREDICATE_TYPES).join(', ')}`);
  return known;
}

/** The Statement for a predicate about the image `name` with manifest digest `digest`. */
export function imageStatement(name: string, digest: Digest, predicateType: string, predicate: unknown, where?: string): Statement {
  if (!predicate || typeof predicate !== 'object' || Array.isArray(predicate)) {
    throw new CairnError('SCHEMA_INVALID', 'the predicate must be a JSON object', { where });
  }
  return makeStatement([{ name, digest: { sha256: digestHex(digest) } }], predicateType, predicate as Record<string, unknown>);
}
