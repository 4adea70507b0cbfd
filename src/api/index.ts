// The facade: Cairn's whole jobs, one module per family, each loaded only by the commands that
// use it. The CLI (src/cli) and the server (src/serve) call these; library users get them from
// src/index.ts with the building blocks underneath.
export { type StoreAccess, type StoreOpener } from './access.js';
export { type FileReader, diskReader } from './files.js';
export * from './reference.js';
export * from './keys.js';
export * from './steps.js';
export * from './links.js';
export * from './layouts.js';
export * from './attest.js';
export * from './discover.js';
export * from './trust-material.js';
export * from './copy.js';
export * from './image.js';
export * from './login.js';
export * from './trust.js';
export * from './gate.js';
export * from './verify.js';
