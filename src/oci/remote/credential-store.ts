import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CairnError, fsError } from '../../errors.js';
import { writeFileAtomic } from '../../disk/index.js';
import { credentialKey, dockerConfigPath, helperFor, keysFor, readDockerConfig } from './credentials.js';
import { helperErase, helperStore } from './credential-helper.js';

// Spec: https://docs.docker.com/reference/cli/docker/login/#credential-stores
// What `cairn login` and `cairn logout` change, as `docker login` does: the host's credential
// helper (credHelpers[host], else credsStore) when one is configured, otherwise the `auths`
// entry of Docker's config.json, written whole to a temp file and renamed, mode 0600 (it holds
// a password in base64), every other field of the file kept as it was.

/** Where credentials were stored or erased. */
export type CredentialLocation = { kind: 'helper'; helper: string } | { kind: 'file'; path: string };

function rawConfig(path: string): Record<string, unknown> {
  readDockerConfig(path); // validates size, JSON and shape
  if (!existsSync(path)) return {};
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

function writeConfig(path: string, config: Record<string, unknown>): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileAtomic(path, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
    chmodSync(path, 0o600); // writeFileAtomic's mode is filtered by the umask
  } catch (err) {
    throw fsError(err, path, 'cannot write');
  }
}

/** Stores a user name and password for a registry host where Docker would. */
export async function storeCredentials(host: string, username: string, password: string, env: NodeJS.ProcessEnv): Promise<CredentialLocation> {
  if (username.includes(':')) throw new CairnError('INVALID_ARGUMENT', 'a registry user name cannot contain ":"');
  const path = dockerConfigPath(env);
  const config = rawConfig(path);
  const key = credentialKey(host);
  const helper = helperFor(readDockerConfig(path), host);
  if (helper) {
    await helperStore(helper, key, username, password, env);
    return { kind: 'helper', helper };
  }
  const auths = { ...((config['auths'] as Record<string, unknown> | undefined) ?? {}) };
  for (const k of keysFor(host)) delete auths[k];
  auths[key] = { auth: Buffer.from(`${username}:${password}`, 'utf8').toString('base64') };
  writeConfig(path, { ...config, auths });
  return { kind: 'file', path };
}

/** Removes a host's credentials from its helper or config.json; `removed` is false when there were none. */
export async function eraseCredentials(host: string, env: NodeJS.ProcessEnv): Promise<{ removed: boolean; location: CredentialLocation }> {
  const path = dockerConfigPath(env);
  const config = rawConfig(path);
  const helper = helperFor(readDockerConfig(path), host);
  let removed = false;
  if (helper) removed = await helperErase(helper, credentialKey(host), env);
  const auths = { ...((config['auths'] as Record<string, unknown> | undefined) ?? {}) };
  const present = keysFor(host).filter((k) => k in auths);
  if (present.length > 0) {
    for (const k of present) delete auths[k];
    writeConfig(path, { ...config, auths });
    removed = true;
  }
  return { removed, location: helper ? { kind: 'helper', helper } : { kind: 'file', path } };
}
