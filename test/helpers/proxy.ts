import { connect, createServer, type Socket } from 'node:net';
import { listenLoopback } from './loopback.js';

// A fault-injecting TCP proxy for e2e tests: it sits between Cairn and the real registry on
// loopback, reads HTTP/1.1 just enough to see where each request and answer begins and ends
// (Content-Length, chunked, HEAD/204/304), and for a chosen fraction of requests, picked by a
// seeded PRNG so that a failure can be replayed, it resets the connection (before the request
// reaches the registry, or after the registry acted on it), stalls, cuts the answer's body
// short, or answers 500/503/429 itself. Everything it did is in `log`.

/** What the proxy can do to one request. */
export type Fault =
  | { kind: 'reset' }
  | { kind: 'reset-after' }
  | { kind: 'stall' }
  | { kind: 'stall-body' }
  | { kind: 'truncate' }
  | { kind: 'status'; status: 500 | 503 | 429; retryAfter?: number };

/** A fault for specific requests: the nth (1-based) ones matching method and path (each rule counts its own matches), or all of them. */
export interface FaultRule {
  method?: string;
  path?: RegExp;
  nth?: number[];
  fault: Fault;
}

/** Which requests get which fault. */
export interface FaultPlan {
  seed?: number;
  /** Fraction of requests (0..1) that get a random fault from `faults`. */
  rate?: number;
  faults?: Fault[];
  /** Checked first, in order. */
  rules?: FaultRule[];
}

/** One request the proxy saw. */
export interface ProxyLogEntry {
  conn: number;
  method: string;
  path: string;
  /** The fault injected, or undefined when the request was forwarded untouched. */
  fault?: string;
  /** The registry's status, when its answer came back. */
  status?: number;
}

/** A running proxy. */
export interface FaultProxy {
  /** `127.0.0.1:<port>`: use it as the registry host. */
  host: string;
  log: ProxyLogEntry[];
  /** Replaces the plan (and restarts its PRNG). */
  plan(plan: FaultPlan): void;
  close(): Promise<void>;
}

import { prng } from './prng.js';

export { prng };

/** Starts a proxy to `target` (`host:port`); call close() when done (in an after hook). */
export async function startFaultProxy(target: string, initial: FaultPlan = {}): Promise<FaultProxy> {
  const [targetHost, targetPort] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<Socket>();
  let current = initial;
  let random = prng(initial.seed ?? 1);
  let matches = new Map<FaultRule, number>();
  let conns = 0;

  const decide = (method: string, path: string): Fault | undefined => {
    let chosen: Fault | undefined;
    for (const rule of current.rules ?? []) {
      if ((rule.method && rule.method !== method) || (rule.path && !rule.path.test(path))) continue;
      const n = (matches.get(rule) ?? 0) + 1;
      matches.set(rule, n);
      if (!chosen && (!rule.nth || rule.nth.includes(n))) chosen = rule.fault;
    }
    if (chosen) return chosen;
    const faults = current.faults ?? [];
    if (faults.length && random() < (current.rate ?? 0)) return faults[Math.floor(random() * faults.length)];
    return undefined;
  };

  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };

  const server = createServer((client) => {
    track(client);
    const conn = ++conns;
    serve(client, conn).catch(() => client.destroy());
  });

  async function serve(client: Socket, conn: number): Promise<void> {
    const inbound = new Wire(client);
    let upstream: { socket: Socket; wire: Wire } | undefined;
    for (;;) {
      const head = await inbound.head();
      if (!head) break;
      const req = parseHead(head);
      const [method = '', path = ''] = req.first.split(' ');
      const fault = decide(method, path);
      const entry: ProxyLogEntry = { conn, method, path, fault: fault && (fault.kind === 'status' ? `status ${fault.status}` : fault.kind) };
      log.push(entry);
      const body = requestFraming(req.headers);
      if (fault?.kind === 'reset') {
        upstream?.socket.destroy();
        return void client.resetAndDestroy();
      }
      if (fault?.kind === 'stall') return hold(client, upstream?.socket);
      if (fault?.kind === 'status') {
        await copyBody(inbound, null, body);
        const text = `injected ${fault.status}\n`;
        const retry = fault.retryAfter !== undefined ? `retry-after: ${fault.retryAfter}\r\n` : '';
        upstream?.socket.destroy();
        client.end(`HTTP/1.1 ${fault.status} Injected\r\ncontent-type: text/plain\r\ncontent-length: ${text.length}\r\n${retry}connection: close\r\n\r\n${text}`);
        return;
      }
      if (!upstream || upstream.socket.destroyed || upstream.wire.ended) {
        upstream?.socket.destroy();
        const socket = connect(targetPort, targetHost);
        track(socket);
        upstream = { socket, wire: new Wire(socket) };
      }
      const up = upstream;
      await write(up.socket, head);
      if (!(await copyBody(inbound, up.socket, body))) break;
      const resHead = await up.wire.head();
      if (!resHead) break;
      const res = parseHead(resHead);
      entry.status = Number(res.first.split(' ')[1]);
      if (fault?.kind === 'reset-after') {
        up.socket.destroy();
        return void client.resetAndDestroy();
      }
      const framing = responseFraming(method, entry.status, res.headers);
      await write(client, resHead);
      if (fault?.kind === 'truncate' || fault?.kind === 'stall-body') {
        const size = framing.kind === 'length' ? framing.n : 64 * 1024;
        await copyBody(up.wire, client, framing, Math.floor(size / 2));
        if (fault.kind === 'stall-body') return hold(client, up.socket);
        up.socket.destroy();
        client.destroy();
        return;
      }
      if (!(await copyBody(up.wire, client, framing))) break;
      if (framing.kind === 'close' || /close/i.test(res.headers['connection'] ?? '')) break;
    }
    client.end();
    upstream?.socket.end();
  }

  const { port, close } = await listenLoopback(server, sockets);
  return {
    host: `127.0.0.1:${port}`,
    log,
    plan: (p) => {
      current = p;
      random = prng(p.seed ?? 1);
      matches = new Map();
    },
    close,
  };
}

// Keeps a connection open and silent until the client gives up.
function hold(client: Socket, upstream: Socket | undefined): void {
  upstream?.destroy();
  client.resume();
}

interface Head {
  first: string;
  headers: Record<string, string>;
}

function parseHead(bytes: Buffer): Head {
  const lines = bytes.toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { first: lines[0] ?? '', headers };
}

type Framing = { kind: 'none' } | { kind: 'length'; n: number } | { kind: 'chunked' } | { kind: 'close' };

function requestFraming(h: Record<string, string>): Framing {
  if (/chunked/i.test(h['transfer-encoding'] ?? '')) return { kind: 'chunked' };
  const n = Number(h['content-length'] ?? 0);
  return n > 0 ? { kind: 'length', n } : { kind: 'none' };
}

function responseFraming(method: string, status: number, h: Record<string, string>): Framing {
  if (method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) return { kind: 'none' };
  if (/chunked/i.test(h['transfer-encoding'] ?? '')) return { kind: 'chunked' };
  if (h['content-length'] !== undefined) return { kind: 'length', n: Number(h['content-length']) };
  return { kind: 'close' };
}

// Copies one body from `from` to `to` (or discards it), at most `limit` bytes; false on EOF.
async function copyBody(from: Wire, to: Socket | null, framing: Framing, limit = Infinity): Promise<boolean> {
  let budget = limit;
  const pass = async (buf: Buffer) => {
    if (to) await write(to, buf);
  };
  const raw = async (n: number): Promise<boolean> => {
    let left = n;
    while (left > 0 && budget > 0) {
      const got = await from.some(Math.min(left, budget));
      if (!got) return false;
      left -= got.length;
      budget -= got.length;
      await pass(got);
    }
    return true;
  };
  if (framing.kind === 'none') return true;
  if (framing.kind === 'length') return raw(framing.n);
  if (framing.kind === 'close') return raw(Infinity);
  for (;;) {
    const line = await from.line();
    if (!line) return false;
    await pass(line);
    const size = parseInt(line.toString('latin1'), 16);
    if (!(size > 0)) break;
    if (!(await raw(size + 2)) || budget <= 0) return budget > 0 ? false : true;
  }
  for (;;) {
    const trailer = await from.line();
    if (!trailer) return false;
    await pass(trailer);
    if (trailer.length === 2) return true;
  }
}

function write(socket: Socket, data: Buffer): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  if (socket.write(data)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

// A buffered reader over a socket, with backpressure.
class Wire {
  private chunks: Buffer[] = [];
  private size = 0;
  ended = false;
  private waiting: (() => void) | undefined;

  constructor(private readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      this.chunks.push(c);
      this.size += c.length;
      if (this.size > 1024 * 1024) socket.pause();
      this.wake();
    });
    const end = () => {
      this.ended = true;
      this.wake();
    };
    socket.on('end', end);
    socket.on('close', end);
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  private async more(): Promise<boolean> {
    if (this.ended) return false;
    this.socket.resume();
    await new Promise<void>((resolve) => (this.waiting = resolve));
    return true;
  }

  private flat(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private take(n: number): Buffer {
    const all = this.flat();
    this.chunks = n < all.length ? [all.subarray(n)] : [];
    this.size -= n;
    return all.subarray(0, n);
  }

  private async until(delimiter: string, max: number): Promise<Buffer | null> {
    for (;;) {
      const i = this.flat().indexOf(delimiter);
      if (i >= 0) return this.take(i + delimiter.length);
      if (this.size > max || !(await this.more())) return null;
    }
  }

  /** A message head, through the blank line; null at EOF. */
  head(): Promise<Buffer | null> {
    return this.until('\r\n\r\n', 64 * 1024);
  }

  /** One CRLF-terminated line. */
  line(): Promise<Buffer | null> {
    return this.until('\r\n', 64 * 1024);
  }

  /** Between 1 and n bytes; null at EOF. */
  async some(n: number): Promise<Buffer | null> {
    while (this.size === 0) if (!(await this.more())) return null;
    return this.take(Math.min(n, this.size));
  }
}
