import type { Server, Socket } from 'node:net';

/** A test server listening on 127.0.0.1, and how to stop it. */
export interface Listening {
  port: number;
  /** Destroys every socket in the set, then closes the server; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Listens on a free loopback port. `sockets` holds the connections to destroy on close (the
 * caller adds to it, e.g. the fault proxy also tracks its upstream connections), so close()
 * never waits on a keep-alive connection.
 */
export async function listenLoopback(server: Server, sockets: Set<Socket>): Promise<Listening> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  let closed = false;
  return {
    port,
    async close() {
      if (closed) return;
      closed = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
