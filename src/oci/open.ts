import { CairnError } from '../errors.js';
import type { Descriptor } from '../schema/index.js';
import { apiHost, formatReference, type Reference } from './reference.js';
import type { Store } from './store.js';
import { OciLayoutStore } from './layout/store.js';

// openStore: the right Store for a reference, an OCI layout directory or a registry
// repository. The registry code (and undici) is loaded only when a registry is named.

/** How to reach registries; ignored for `oci:` references. */
export interface RegistryAccess {
  plainHttp?: boolean;
  insecure?: boolean;
  /** PEM text of extra CA certificates. */
  ca?: string;
  /** Explicit credentials (from --username/--password-stdin); otherwise Docker's config.json. */
  username?: string;
  password?: string;
  env?: NodeJS.ProcessEnv;
  /** Request lines for --debug. */
  onDebug?: (line: string) => void;
  /** How long a registry may stay silent before a request is retried or fails (ms). */
  timeoutMs?: number;
  /** Most connections open to one registry host at once (a server bounds its load this way). */
  maxConnections?: number;
  /** Attempts for idempotent requests (default 4). */
  attempts?: number;
}

export interface OpenOptions extends RegistryAccess {
  /** Create the OCI layout directory if missing (destinations). */
  create?: boolean;
}

/**
 * The HTTP client of one registry host: the given username and password, else Docker's
 * credentials for that host. openStore makes one per store; RegistryPool shares one per host.
 */
export async function registryClient(registry: string, options: RegistryAccess): Promise<import('./remote/index.js').RegistryClient> {
  const { RegistryClient, dockerCredentials } = await import('./remote/index.js');
  const env = options.env ?? process.env;
  const { username, password } = options;
  return new RegistryClient(apiHost(registry), {
    plainHttp: options.plainHttp,
    insecure: options.insecure,
    ca: options.ca,
    onDebug: options.onDebug,
    timeoutMs: options.timeoutMs,
    maxConnections: options.maxConnections,
    attempts: options.attempts,
    credentials: async () => (username !== undefined && password !== undefined ? { kind: 'basic', username, password } : dockerCredentials(registry, env)),
  });
}

/** Opens the store a reference names. */
export async function openStore(ref: Reference, options: OpenOptions = {}): Promise<Store> {
  if (ref.kind === 'layout') return OciLayoutStore.open(ref.path, { create: options.create });
  const { username, password } = options;
  if ((username === undefined) !== (password === undefined)) throw new CairnError('INVALID_ARGUMENT', 'a user name needs a password, and a password a user name', { details: { reason: 'credentials-incomplete' } });
  const { RegistryStore } = await import('./remote/index.js');
  const client = await registryClient(ref.registry, options);
  return new RegistryStore(client, ref.repository, ref.registry);
}

/** Closes a store's connections, if it has any. */
export async function closeStore(store: Store): Promise<void> {
  const closable = store as Partial<{ close: () => Promise<void> }>;
  if (typeof closable.close === 'function') await closable.close();
}

/** Resolves the manifest a reference names: its digest when given (checked), else its tag. */
export async function resolveReference(store: Store, ref: Reference): Promise<Descriptor> {
  const target = ref.digest ?? ref.tag;
  if (!target) throw new CairnError('INVALID_ARGUMENT', 'give a tag or a digest', { where: formatReference(ref) });
  const desc = await store.resolve(target);
  if (ref.digest && desc.digest !== ref.digest) throw new CairnError('DIGEST_MISMATCH', `resolved to ${desc.digest}`, { where: formatReference(ref) });
  return desc;
}
