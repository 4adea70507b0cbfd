// Artifacts: what steps consume and produce. Files on disk (in-toto's file resolver).
export { DEFAULT_EXCLUDE_PATTERNS, type FileResolverOptions, normPath, hashFile, recordArtifacts } from './files.js';
export { PathSpec } from './gitwildmatch.js';
