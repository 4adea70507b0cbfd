import type { Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

// When a request's deadline starts. Gatekeeper's timeout (3 s) runs from its dial: the TCP
// connect and the TLS handshake are in it. A burst of 100 new connections made the gate spend
// up to ~0.9 s on handshakes before the last request was even read (bench gate-burst), and a
// deadline counted from the request alone then answered after Gatekeeper had given up. So the
// first request on a connection is timed from the connection's accept; later requests on a
// kept-alive connection from their own arrival. The raw socket and its TLS socket share the
// peer's address and port (public fields on both), which is how the two are matched.

/** Records each connection's accept time; tells when a request's clock started. */
export class ConnectionClock {
  private readonly accepted = new Map<string, number>();
  private readonly firstRequest = new WeakMap<TLSSocket, number>();

  constructor(server: Server, private readonly now: () => number = () => performance.now()) {
    server.on('connection', (socket: Socket) => {
      const id = peer(socket);
      if (id === undefined) return;
      this.accepted.set(id, this.now());
      socket.once('close', () => this.accepted.delete(id));
    });
    server.on('secureConnection', (tls: TLSSocket) => {
      const id = peer(tls);
      const at = id === undefined ? undefined : this.accepted.get(id);
      if (id !== undefined) this.accepted.delete(id);
      if (at !== undefined) this.firstRequest.set(tls, at);
    });
  }

  /** When `req`'s deadline started: its connection's accept for the first request on it, else now. */
  startOf(req: IncomingMessage): number {
    const socket = req.socket as TLSSocket;
    const at = this.firstRequest.get(socket);
    if (at === undefined) return this.now();
    this.firstRequest.delete(socket);
    return at;
  }
}

function peer(socket: Socket): string | undefined {
  return socket.remoteAddress === undefined || socket.remotePort === undefined ? undefined : `${socket.remoteAddress}|${socket.remotePort}`;
}
