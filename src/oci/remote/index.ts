// The registry client: the only code that imports undici. RegistryStore is one repository as
// a Store; RegistryClient speaks HTTP (auth, redirects, retries) to one host.
export { RegistryStore } from './store.js';
export { RegistryClient, type ClientOptions } from './client.js';
export { type Credentials, dockerCredentials, credentialsFromConfig, readDockerConfig, dockerConfigPath, containersAuthPaths } from './credentials.js';
export { storeCredentials, eraseCredentials, type CredentialLocation } from './credential-store.js';
export { parseChallenge, type Challenge } from './auth.js';
export { RegistryError, redactUrl } from './errors.js';
export { nextLink } from './paging.js';
export { uploadBlob, chunks, CHUNK_SIZE, BUFFERED_UPLOAD_BYTES, type UploadOptions } from './blobs.js';
