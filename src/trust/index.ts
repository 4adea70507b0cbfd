// Trust roots: a signed, versioned list of the owner keys that may sign layouts, with
// rotation and revocation (TUF's root role, applied to in-toto layouts).
export {
  TRUST_ROOT_PAYLOAD_TYPE,
  type TrustedRoot,
  type RootOptions,
  type RotateOptions,
  expiryIn,
  rootKeys,
  makeRoot,
  signRoot,
  cosignRoot,
  nextRoot,
} from './root.js';
export {
  type StoredRoot,
  type TrustChainSource,
  type TrustState,
  type WalkResult,
  verifyPinnedRoot,
  walkTrustChain,
  isRevoked,
} from './chain.js';
export type { TrustRoot } from '../schema/index.js';
