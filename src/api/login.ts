import { login, loginHost, logout, type CredentialLocation, type RegistryAccess } from '../oci/index.js';

// Credentials of a registry, as docker and oras keep them: checked against the registry before
// they are stored (Docker's config.json at 0600, or its credential helper), and forgotten.

export type { CredentialLocation };

/** Checks `username`/`password` against `registry` and stores them; returns the host and where they went. */
export async function logIn(o: { registry: string; username: string; password: string; access?: RegistryAccess }): Promise<{ host: string; stored: CredentialLocation }> {
  const host = loginHost(o.registry);
  return { host, stored: await login(host, o.username, o.password, o.access ?? {}) };
}

/** Forgets the stored credentials of `registry`. */
export async function logOut(o: { registry: string; env?: NodeJS.ProcessEnv }) {
  const host = loginHost(o.registry);
  return { host, ...(await logout(host, o.env)) };
}
