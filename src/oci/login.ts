import { CairnError } from '../errors.js';
import { apiHost, DOCKER_HUB } from './reference.js';
import type { RegistryAccess } from './open.js';

// `docker login` / `oras login` as library calls: check a user name and password against the
// registry first (GET /v2/ answered with them, Basic or through the token realm), and only then
// store them where Docker keeps credentials; logout removes them again. The registry code (and
// undici) loads only here.

/** Where login stored, or logout erased, the credentials. */
export type { CredentialLocation } from './remote/index.js';

/**
 * The registry host a login names: `host[:port]`, also given as a URL or with a repository path
 * (`https://reg.example/v2/`, `reg.example/team/app`), and Docker Hub's several names as one.
 */
export function loginHost(text: string): string {
  const host = text.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  if (!host || !/^[a-z0-9.[\]:-]+$/.test(host)) throw new CairnError('INVALID_ARGUMENT', `not a registry host: ${JSON.stringify(text)}`);
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? DOCKER_HUB : host;
}

/** Checks the credentials against the registry, then stores them; returns where. */
export async function login(registry: string, username: string, password: string, access: RegistryAccess = {}) {
  const { RegistryClient, storeCredentials } = await import('./remote/index.js');
  const host = loginHost(registry);
  if (!username) throw new CairnError('INVALID_ARGUMENT', 'the user name is empty');
  if (!password) throw new CairnError('INVALID_ARGUMENT', 'the password is empty');
  const client = new RegistryClient(apiHost(host), {
    plainHttp: access.plainHttp,
    insecure: access.insecure,
    ca: access.ca,
    onDebug: access.onDebug,
    timeoutMs: access.timeoutMs,
    credentials: async () => ({ kind: 'basic', username, password }),
  });
  try {
    await client.ping();
  } finally {
    await client.close();
  }
  return storeCredentials(host, username, password, access.env ?? process.env);
}

/** Removes the stored credentials of a registry; `removed` is false when there were none. */
export async function logout(registry: string, env: NodeJS.ProcessEnv = process.env) {
  const { eraseCredentials } = await import('./remote/index.js');
  return eraseCredentials(loginHost(registry), env);
}
