// Sources of step evidence for the verification engine: the EvidenceSource port, and a local
// link directory behind it; registry referrers plug in the same way.
export { type AuthorisedKey, type EvidenceItem, type EvidenceSource } from './source.js';
export { DirectoryEvidenceSource } from './directory.js';
export { ReferrersEvidenceSource, type ReferrersEvidenceOptions, type ListedReferrer } from './referrers.js';
