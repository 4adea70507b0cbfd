import { closeStore, openStore, parseReference, type OpenOptions, type Reference, type RegistryAccess, type Store } from '../oci/index.js';

// How the facade reaches stores: a reference as text, opened with the caller's registry access
// (or the caller's own opener: a server's connection pool, a test's in-memory store), and
// closed when the job is done. Every job below takes one of these instead of opening by itself,
// so it runs unchanged in the CLI, in a server and in a test.

export type { RegistryAccess };

/** Opens the store a reference names; the default is `openStore` with the given access. */
export type StoreOpener = (ref: Reference, o?: { create?: boolean }) => Promise<Store>;

/** Where a job's registries are and how to reach them. */
export interface StoreAccess {
  /** Connection options for registries (ignored for `oci:` directories). */
  registry?: RegistryAccess;
  /** Replaces `openStore` (a pool, a cache, a test double). */
  openStore?: StoreOpener;
}

/** The opener a job uses. */
export function opener(a: StoreAccess = {}): StoreOpener {
  return a.openStore ?? ((ref, o) => openStore(ref, { ...(a.registry ?? {}), ...(o?.create ? { create: true } : {}) } as OpenOptions));
}

/** A reference parsed and its store opened. */
export async function openRef(text: string, a: StoreAccess = {}, create = false): Promise<{ ref: Reference; store: Store }> {
  const ref = parseReference(text);
  return { ref, store: await opener(a)(ref, { create }) };
}

/** Runs `fn` and closes the stores afterwards. */
export async function withStores<T>(stores: Store[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await Promise.all(stores.map((s) => closeStore(s).catch(() => undefined)));
  }
}
