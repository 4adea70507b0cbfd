// The registry client: the only code that imports undici. RegistryStore is one repository as
// a Store; RegistryClient speaks HTTP (auth, redirects, retries) to one host.
export { RegistryStore } from './store.js';
export { RegistryClient, type ClientOptions } from './client.js';
export { type Credentials, dockerCredentials, credentialsFromConfig, readDockerConfig, dockerConfigPath } from './credentials.js';
export { parseChallenge, type Challenge } from './auth.js';
export { RegistryError, redactUrl } from './errors.js';
export { nextLink } from './paging.js';
