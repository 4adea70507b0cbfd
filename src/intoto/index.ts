// in-toto documents: links, layouts and Statements, legacy Metablocks and DSSE, and the
// conversions between them.
export {
  type MetablockSignature,
  type RawMetablock,
  signMetablock,
  addMetablockSignatures,
  metablockSigners,
  requireMetablockSigners,
} from './metablock.js';
export {
  LINK_PREDICATE_V03,
  LINK_PREDICATE_DEPRECATED_PREFIX,
  SLSA_PROVENANCE_V1,
  SLSA_PROVENANCE_V02,
  VERIFICATION_SUMMARY_V1,
  makeStatement,
  isLinkPredicate,
} from './statement.js';
export {
  type ArtifactMap,
  type LinkFields,
  makeLink,
  descriptorsOf,
  artifactsOf,
  linkToStatement,
  statementToLink,
} from './link.js';
export {
  type SignedDocument,
  type VerifiedDocument,
  readSignedDocument,
  toSignedDocument,
  readBundle,
  verifyDocument,
  serializeDocument,
} from './document.js';
export { type Payload, interpretPayload } from './payload.js';
export { type EvidenceArtifacts, statementArtifacts } from './predicates.js';
export type { Link, Layout, Step, Inspection, Statement, ResourceDescriptor, KeyDict } from '../schema/index.js';
export { type MetadataFormat, signLink, signStatement, linkFileName } from './sign.js';
