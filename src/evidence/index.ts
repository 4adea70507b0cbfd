// Sources of step evidence for the verification engine: the EvidenceSource port, and a local
// link directory behind it; registry referrers plug in the same way.
export { type AuthorisedKey, type EvidenceOrigin, describeOrigin, type EvidenceProvenance, type EvidenceItem, type EvidenceSource, type OpenedEvidence, type UnopenedEvidence } from './source.js';
export { openEvidence } from './open.js';
export { DirectoryEvidenceSource } from './directory.js';
export { ReferrersEvidenceSource, type ReferrersEvidenceOptions, type ListedReferrer } from './referrers.js';
export { EcosystemEvidenceSource, type EcosystemEvidenceOptions } from './ecosystem.js';
