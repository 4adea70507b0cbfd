import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listenLoopback } from './loopback.js';

// A hostile "registry" for tests: a node:http server on 127.0.0.1 (port 0) that answers what a
// test tells it to: bytes that do not match their digest, headers that lie, endless bodies
// (streamed lazily with backpressure, never allocated), raw malformed HTTP. It is an
// adversary for RegistryStore, not a stand-in for the e2e registry.

/** One request the server saw. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

/** Answers one request; `raw` writes bytes straight to the socket (any HTTP, or none). */
export type HostileHandler = (req: IncomingMessage, res: ServerResponse, raw: (bytes: string | Buffer, keepOpen?: boolean) => void) => void | Promise<void>;

/** A running hostile server. */
export interface HostileServer {
  /** `127.0.0.1:<port>`, a registry host Cairn speaks plain HTTP to. */
  host: string;
  url: string;
  requests: SeenRequest[];
  /** Bytes written by `endless` bodies so far (what actually left the server). */
  streamed: { bytes: number };
  /** Replaces the handler. */
  handle(handler: HostileHandler): void;
  close(): Promise<void>;
}

/** Starts a server; call close() when done (in an after hook). */
export async function startHostileServer(handler: HostileHandler = notFound): Promise<HostileServer> {
  let current = handler;
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const streamed = { bytes: 0 };
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    const raw = (bytes: string | Buffer, keepOpen = false) => {
      req.socket.write(bytes);
      if (!keepOpen) req.socket.end();
    };
    req.resume();
    Promise.resolve(current(req, res, raw)).catch((err: unknown) => {
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  });
  server.keepAliveTimeout = 1000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const { port, close } = await listenLoopback(server, sockets);
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    streamed,
    handle: (h) => (current = h),
    close,
  };
}

/** The registry's 404 for anything not handled. */
export function notFound(_req: IncomingMessage, res: ServerResponse): void {
  json(res, 404, { errors: [{ code: 'NAME_UNKNOWN', message: 'not here' }] });
}

/** Answers with a JSON body (exact bytes when given a Buffer). */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(bytes.length), ...headers });
  res.end(bytes);
}

/**
 * Streams `total` bytes of `fill` lazily: one 64 KiB chunk at a time, waiting for the socket to
 * drain, stopping when the client goes away. Counts what it wrote into `counter`.
 */
export function endless(res: ServerResponse, status: number, headers: Record<string, string>, counter: { bytes: number }, total = 1024 ** 3, fill = 0x41): void {
  res.writeHead(status, headers);
  const chunk = Buffer.alloc(64 * 1024, fill);
  let sent = 0;
  let stopped = false;
  res.on('close', () => (stopped = true));
  const pump = () => {
    while (!stopped && sent < total) {
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      counter.bytes += n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!stopped) res.end();
  };
  pump();
}
