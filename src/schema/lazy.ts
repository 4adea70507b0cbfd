// A schema built on first use. zod builds every schema object up front, and Cairn's ~30
// schemas cost a command 8-10 ms of its start-up, although most commands parse two or three
// kinds of document. lazy() returns a stand-in that builds the schema when it is first touched
// (parsed with, composed into another schema) and forwards everything to it from then on;
// zod's methods are closures over the real schema, so they behave the same whoever calls them.

/** `build()`'s schema, built when first used. */
export function lazy<T extends object>(build: () => T): T {
  let real: T | undefined;
  const target = (): T => (real ??= build());
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get(target(), key),
    set: (_, key, value) => Reflect.set(target(), key, value),
    has: (_, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(target(), key);
      // a proxy may only report a property as non-configurable if its own target has it
      return d ? { ...d, configurable: true } : undefined;
    },
    defineProperty: (_, key, d) => Reflect.defineProperty(target(), key, d),
    deleteProperty: (_, key) => Reflect.deleteProperty(target(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(target()),
  });
}
