// Content addresses: parsing, hashing, and reads that verify size and digest as they go.
export { type Digest, isDigest, parseDigest, sha256Hex, digestOf, digestHex } from './digest.js';
export { type Expected, VerifyingStream, readLimited, readVerified, verifyContent } from './verify.js';
