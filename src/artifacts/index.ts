// Artifacts: what steps consume and produce. Files on disk (in-toto's file resolver).
export { DEFAULT_EXCLUDE_PATTERNS, type FileResolverOptions, normPath, recordArtifacts, recordArtifactsParallel } from './files.js';
export { hashFile } from './hash.js';
export { hashFiles } from './hash-pool.js';
export { PathSpec } from './gitwildmatch.js';
