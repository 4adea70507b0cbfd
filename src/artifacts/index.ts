// Artifacts: what steps consume and produce. Files on disk (in-toto's file resolver).
export { DEFAULT_EXCLUDE_PATTERNS, type FileResolverOptions, normPath, recordArtifacts, recordArtifactsParallel } from './files.js';
export { hashFile } from './hash.js';
export { hashFiles } from './hash-pool.js';
export { PathSpec } from './gitwildmatch.js';
// An image's layers flattened into artifacts (src/artifacts/image, see docs/image.md).
export {
  type LayerSource,
  type ImageFile,
  type ImageFileType,
  type LayerReport,
  type Compression,
  type FlattenOptions,
  type FlattenedImage,
  type ImageFileListing,
  type PlatformSpec,
  DEFAULT_LIMITS,
  ImageFiles,
  flattenLayers,
  flattenImage,
  listImageFiles,
  parsePlatform,
  selectPlatform,
} from './image/index.js';
