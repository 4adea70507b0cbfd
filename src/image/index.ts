// An image's files as in-toto artifacts: layers flattened in order (gzip, zstd or plain tar;
// whiteouts and opaque directories applied; unsafe paths rejected), streamed and hashed
// without touching the disk. The only user of a tar parser in Cairn.
export { type LayerSource, type ImageFile, type ImageFileType, type LayerReport, type Compression, type FlattenOptions, DEFAULT_LIMITS } from './types.js';
export { ImageFiles, SYMLINK_DIGEST_KEY } from './image-files.js';
export { flattenLayers } from './flatten.js';
export { type FlattenedImage, type ImageFileListing, flattenImage, listImageFiles } from './image.js';
export { type PlatformSpec, parsePlatform, selectPlatform } from './platform.js';
export { type ChosenImage, chooseImage } from './choose.js';
export { sniffCompression } from './decompress.js';
export { warmLayerThread } from './layer-thread.js';
