// A layout verified against one image: the image as in-toto artifacts (the reserved
// `cairn:image` inspection: its files, digests and execution parameters), the platform chosen,
// and the evidence hanging off it in its store.
export { IMAGE_CONFIG_FIELD_PREFIX } from './config.js';
export { imageArtifactMap, ImageInspectionRunner } from './inspection.js';
export { type VerifyImageOptions, type PlatformVerification, type ImageVerification, verifyImage } from './verify-image.js';
