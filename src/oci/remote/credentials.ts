import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CairnError } from '../../errors.js';
import { decodeBase64 } from '../../encoding/index.js';
import { CredentialHelperOutputSchema, DockerConfigSchema, parseWith, type DockerConfig } from '../../schema/index.js';

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

/** The names a host's credentials may be stored under. */
function keysFor(host: string): string[] {
  if (host === 'docker.io' || host === 'registry-1.docker.io' || host === 'index.docker.io') return [DOCKER_HUB_KEY, 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [host, `https://${host}`, `http://${host}`];
}

/** Credentials for `host` from a parsed config (helpers run when configured). */
export async function credentialsFromConfig(config: DockerConfig, host: string, env: NodeJS.ProcessEnv, where: string): Promise<Credentials | undefined> {
  const keys = keysFor(host);
  const helper = keys.map((k) => config.credHelpers?.[k]).find((h) => h) ?? (config.credHelpers ? Object.entries(config.credHelpers).find(([k]) => hostOfKey(k) === host)?.[1] : undefined);
  if (helper) return runHelper(helper, keys[0] as string, env);
  const entry = keys.map((k) => config.auths?.[k]).find((e) => e) ?? Object.entries(config.auths ?? {}).find(([k]) => hostOfKey(k) === host)?.[1];
  if (entry?.identitytoken) return { kind: 'identity-token', token: entry.identitytoken };
  if (entry?.auth) {
    const decoded = decodeBase64(entry.auth, `${where}: auths`).toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new CairnError('SCHEMA_INVALID', `auths entry for ${host} is not base64 of user:password`, { where });
    return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry?.username && entry.password) return { kind: 'basic', username: entry.username, password: entry.password };
  if (config.credsStore) return runHelper(config.credsStore, keys[0] as string, env);
  return undefined;
}

/** Credentials for `host` from Docker's config.json (or none). */
export async function dockerCredentials(host: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  const path = dockerConfigPath(env);
  return credentialsFromConfig(readDockerConfig(path), host, env, path);
}

// Runs `docker-credential-<name> get`. "credentials not found" is no credentials, not a failure.
function runHelper(name: string, serverUrl: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  const program = `docker-credential-${name}`;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return Promise.reject(new CairnError('INVALID_ARGUMENT', `invalid credential helper name ${JSON.stringify(name)}`));
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 });
    const out: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1024 * 1024) out.push(c);
    });
    child.stderr.resume();
    child.on('error', (err) => reject(new CairnError('UNAUTHORIZED', `cannot run credential helper ${program}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err })));
    child.on('close', (code) => {
      const text = Buffer.concat(out).toString('utf8');
      if (code !== 0) {
        if (/credentials not found/i.test(text)) resolve(undefined);
        else reject(new CairnError('UNAUTHORIZED', `credential helper ${program} failed (exit ${code})`));
        return;
      }
      // The output holds a secret: a parse failure must not quote it.
      const parsed = CredentialHelperOutputSchema.safeParse(safeJson(text));
      if (!parsed.success) {
        reject(new CairnError('UNAUTHORIZED', `credential helper ${program} printed something that is not {"Username","Secret"}`));
        return;
      }
      const { Username, Secret } = parsed.data;
      resolve(Username === '<token>' ? { kind: 'identity-token', token: Secret } : { kind: 'basic', username: Username, password: Secret });
    });
    child.stdin.end(serverUrl);
  });
}
