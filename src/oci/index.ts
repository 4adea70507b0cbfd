// OCI content: references, the Store contract and its backends (OCI layout, memory; registries
// through openStore, loaded lazily), manifests as graph nodes, referrers, and copy.
export { type Reference, parseReference, formatReference, withDigest, isValidTag, apiHost, isLoopbackHost, DOCKER_HUB } from './reference.js';
export {
  type ReadOnlyStore,
  type Store,
  type PushOptions,
  type ReferrerLister,
  type ReferrerFilter,
  type TagLister,
  type BlobMounter,
  type TaggedPusher,
  type UploadPreparer,
  type ReferrerRecorder,
  isUploadPreparer,
  isReferrerRecorder,
  pushAndTag,
  isReferrerLister,
  isTagLister,
  isBlobMounter,
  MAX_MANIFEST_BYTES,
  MAX_REFERRERS,
  fetchVerified,
  openVerified,
  bytesStream,
} from './store.js';
export * from './mediatypes.js';
export { type ManifestNode, parseManifestNode, fetchManifestNode, childrenOf, subjectOf, referrerDescriptor, encodeJson, makeIndex, pushJson } from './manifest.js';
export { MemoryStore, type MemoryStoreOptions } from './memory.js';
export { OciLayoutStore, REF_NAME } from './layout/store.js';
export {
  referrersTag,
  referrerTag,
  readReferrersIndex,
  listReferrers,
  referrersReader,
  type ListOptions,
} from './referrers.js';
export { addReferrer, addReferrers, pushReferrer, pushReferrerManifest, writeReferrersIndex, repairReferrers, type AddReferrerOptions, type RepairResult } from './referrers-write.js';
export { copyGraph, type CopyEvent, type CopyOptions, type CopyResult } from './copy.js';
export { type Omission } from './omissions.js';
export { openStore, closeStore, resolveReference, type OpenOptions, type RegistryAccess } from './open.js';
export { login, logout, loginHost, type CredentialLocation } from './login.js';
export { RegistryPool, type HostAccess } from './pool.js';
