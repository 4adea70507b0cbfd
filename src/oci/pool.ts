import { CairnError } from '../errors.js';
import type { Reference } from './reference.js';
import type { Store } from './store.js';
import { registryClient, type RegistryAccess } from './open.js';

// A long-running process (the deploy gate) talks to the same few registries all day: one HTTP
// client per registry host, shared by every repository store opened through the pool, keeps
// connections alive between requests and bounds how many are open at once (maxConnections).
// Stores handed out are cheap and hold only their own manifest cache; closing one leaves the
// shared client open. Only hosts the caller allows are ever contacted.

/** How to reach one registry host, and how hard. */
export type HostAccess = RegistryAccess;

export class RegistryPool {
  private readonly clients = new Map<string, ReturnType<typeof registryClient>>();

  /** `access(registry)`: the options for a registry, or undefined when it is not allowed. */
  constructor(private readonly access: (registry: string) => HostAccess | undefined) {}

  /** A store for the repository a reference names (registry references only: never a local directory). */
  async open(ref: Reference): Promise<Store> {
    if (ref.kind !== 'registry') throw new CairnError('INVALID_ARGUMENT', 'only registry references are accepted here, not oci: directories');
    const options = this.access(ref.registry);
    if (!options) throw new CairnError('INVALID_ARGUMENT', `registry ${ref.registry} is not one this server may contact`);
    let client = this.clients.get(ref.registry);
    if (!client) {
      client = registryClient(ref.registry, options);
      this.clients.set(ref.registry, client);
      // a client that could not be made (a bad CA file) is tried again next time, not cached
      client.catch(() => this.clients.delete(ref.registry));
    }
    const { RegistryStore } = await import('./remote/index.js');
    return new RegistryStore(await client, ref.repository, ref.registry, false);
  }

  /** Closes every shared client. */
  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map(async (c) => (await c).close().catch(() => undefined)));
  }
}
