import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CairnError } from '../../errors.js';
import { decodeBase64 } from '../../encoding/index.js';
import { DockerConfigSchema, parseWith, type DockerConfig } from '../../schema/index.js';
import { helperGet } from './credential-helper.js';

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// Spec: https://github.com/docker/cli/blob/master/docs/reference/commandline/login.md#credential-stores
// Credentials for a registry host, from Docker's config.json: `auths` (base64 user:pass, or an
// identity token), `credHelpers[host]`, then `credsStore`, run as `docker-credential-<name> get`
// with the server URL on stdin. Docker Hub's credentials live under https://index.docker.io/v1/.
// When Docker's config has none, podman's, skopeo's and buildah's auth.json (the same format)
// are read in the order of containers-auth.json(5): $REGISTRY_AUTH_FILE, then
// $XDG_RUNTIME_DIR/containers/auth.json, then $XDG_CONFIG_HOME/containers/auth.json.
// Spec: https://github.com/containers/image/blob/main/docs/containers-auth.json.5.md

/** A user name and password, or an identity (refresh) token. Never printed. */
export type Credentials =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'identity-token'; readonly token: string };

const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

/** The config.json Docker uses: $DOCKER_CONFIG/config.json or ~/.docker/config.json. */
export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  return join(env['DOCKER_CONFIG'] ?? join(env['HOME'] ?? homedir(), '.docker'), 'config.json');
}

/** Reads Docker's config.json; absent means empty. */
export function readDockerConfig(path: string): DockerConfig {
  if (!existsSync(path)) return {};
  const text = readFileSync(path);
  if (text.length > 1024 * 1024) throw new CairnError('TOO_LARGE', 'docker config larger than 1 MiB', { where: path });
  const json = safeJson(text.toString('utf8'));
  if (json === undefined) throw new CairnError('SCHEMA_INVALID', 'not valid JSON', { where: path });
  return parseWith(DockerConfigSchema, json, path);
}

function hostOfKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
}

/** The name `docker login` stores a host's credentials under (Docker Hub's is a URL). */
export function credentialKey(host: string): string {
  return keysFor(host)[0] as string;
}

/** The credential helper configured for `host` (credHelpers, else credsStore), if any. */
export function helperFor(config: DockerConfig, host: string): string | undefined {
  const keys = keysFor(host);
  return keys.map((k) => config.credHelpers?.[k]).find((h) => h) ?? (config.credHelpers ? Object.entries(config.credHelpers).find(([k]) => hostOfKey(k) === host)?.[1] : undefined) ?? config.credsStore;
}

/** The names a host's credentials may be stored under. */
export function keysFor(host: string): string[] {
  if (host === 'docker.io' || host === 'registry-1.docker.io' || host === 'index.docker.io') return [DOCKER_HUB_KEY, 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [host, `https://${host}`, `http://${host}`];
}

/** Credentials for `host` from a parsed config (helpers run when configured). */
export async function credentialsFromConfig(config: DockerConfig, host: string, env: NodeJS.ProcessEnv, where: string): Promise<Credentials | undefined> {
  const keys = keysFor(host);
  const helper = keys.map((k) => config.credHelpers?.[k]).find((h) => h) ?? (config.credHelpers ? Object.entries(config.credHelpers).find(([k]) => hostOfKey(k) === host)?.[1] : undefined);
  if (helper) return helperGet(helper, keys[0] as string, env);
  const entry = keys.map((k) => config.auths?.[k]).find((e) => e) ?? Object.entries(config.auths ?? {}).find(([k]) => hostOfKey(k) === host)?.[1];
  if (entry?.identitytoken) return { kind: 'identity-token', token: entry.identitytoken };
  if (entry?.auth) {
    const decoded = decodeBase64(entry.auth, `${where}: auths`).toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new CairnError('SCHEMA_INVALID', `auths entry for ${host} is not base64 of user:password`, { where });
    return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry?.username && entry.password) return { kind: 'basic', username: entry.username, password: entry.password };
  if (config.credsStore) return helperGet(config.credsStore, keys[0] as string, env);
  return undefined;
}

/** The auth.json files of podman, skopeo and buildah, in the order they are read. */
export function containersAuthPaths(env: NodeJS.ProcessEnv): string[] {
  const paths: string[] = [];
  if (env['REGISTRY_AUTH_FILE']) paths.push(env['REGISTRY_AUTH_FILE']);
  if (env['XDG_RUNTIME_DIR']) paths.push(join(env['XDG_RUNTIME_DIR'], 'containers', 'auth.json'));
  paths.push(join(env['XDG_CONFIG_HOME'] ?? join(env['HOME'] ?? homedir(), '.config'), 'containers', 'auth.json'));
  return paths;
}

/** Credentials for `host` from Docker's config.json, else from the containers' auth.json files (or none). */
export async function dockerCredentials(host: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  for (const path of [dockerConfigPath(env), ...containersAuthPaths(env)]) {
    const found = await credentialsFromConfig(readDockerConfig(path), host, env, path);
    if (found) return found;
  }
  return undefined;
}
