// Sources of step evidence for the verification engine (src/policy's EvidenceSource port):
// a local link directory now; registry referrers plug in the same way.
export { DirectoryEvidenceSource } from './directory.js';
