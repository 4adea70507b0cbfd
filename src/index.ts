// Cairn's library API: everything `import { ... } from 'cairn-intoto'` gives. Re-exports only.
export { CairnError, ValidationError, failureClass, isCairnError, type ErrorCode, type ErrorDetails, type FailureClass, type Issue } from './errors.js';
export * from './digest/index.js';
export * from './encoding/index.js';
export * from './crypto/index.js';
export * from './dsse/index.js';
export * from './intoto/index.js';
export * from './disk/index.js';
export * from './artifacts/index.js';
export * from './image/index.js';
export * from './run/index.js';
export * from './rules/index.js';
export * from './evidence/index.js';
export * from './policy/index.js';
export * from './oci/index.js';
export * from './attest/index.js';
export * from './trust/index.js';
export * from './gate/index.js';
export type { Descriptor, Manifest, Index, Platform, Envelope } from './schema/index.js';
