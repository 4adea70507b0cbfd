// zod schemas for every document that crosses a trust boundary, and parseWith() that turns a
// mismatch into a located ValidationError. The only module that imports zod.
export { parseWith, dotPath } from './parse.js';
export * from './dsse.js';
export * from './intoto.js';
export * from './oci.js';
export * from './trust.js';
export * from './registry.js';
export * from './image.js';
export { isArtifactMap, isStringArray, parseLinkBody } from './fast.js';
