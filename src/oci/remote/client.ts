import { PassThrough, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { CairnError, isCairnError } from '../../errors.js';
import { readLimited } from '../../digest/index.js';
import { isLoopbackHost } from '../reference.js';
import { Authenticator } from './auth.js';
import type { Credentials } from './credentials.js';
import { networkError, redactUrl, statusError, type RegistryError } from './errors.js';
import { Deadline, deadlineMs } from './deadline.js';

// HTTP to one registry host over undici: keep-alive connections (several at once for parallel
// transfers), TLS verification unless `insecure`, plain HTTP for loopback hosts or when asked,
// 401 → authenticate and retry once, redirects (blob storage) followed by hand without the
// Authorization header when they leave the registry's origin, and retries with exponential
// backoff and jitter on 408/429/5xx, connection resets and timeouts — only for idempotent
// requests whose body can be sent again. Each attempt, its whole body included, must be over
// within `timeoutMs` (deadline.ts; longer for big transfers), so a registry that sends a byte at
// a time fails in one timeout; bodies Cairn does not need are read to at most 64 KiB.

export interface ClientOptions {
  /** Speak plain HTTP even to a non-loopback host. */
  plainHttp?: boolean;
  /** Do not verify the TLS certificate. */
  insecure?: boolean;
  /** Extra trusted CA certificates (PEM), e.g. a self-signed registry's. */
  ca?: string;
  /** Credentials source, asked at most once per client and only after a 401. */
  credentials?: () => Promise<Credentials | undefined>;
  /** Attempts for idempotent requests (default 4). */
  attempts?: number;
  /** Base backoff in ms (default 200). */
  backoffMs?: number;
  /** Each attempt of a request, its whole body included, must be over within this (ms; default 60 000); see deadline.ts. */
  timeoutMs?: number;
  /** Most connections open to the host at once (default: unbounded); further requests wait in line. */
  maxConnections?: number;
  /** For tests: a dispatcher to use instead of a new Agent. */
  dispatcher?: Dispatcher;
  /** Request lines for --debug (URLs redacted, no headers). */
  onDebug?: (line: string) => void;
}

export type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

export interface RegistryRequest {
  method: Method;
  /** A path on the registry (`/v2/...`) or an absolute URL (an upload Location). */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** Token scopes, e.g. `repository:app:pull`. */
  scopes: string[];
  /** Statuses that are success; anything else becomes a RegistryError. */
  ok: number[];
  /** Bytes the request moves (a blob's body, an upload): its deadline grows with them (deadline.ts). */
  transferBytes?: number;
  /** An error answer that is worth another attempt of this (idempotent) request, beyond 5xx/429/408. */
  retryOn?: (err: RegistryError) => boolean;
}

export interface RegistryResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
  url: string;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const IDEMPOTENT = new Set<Method>(['GET', 'HEAD', 'PUT', 'DELETE']);
const MAX_REDIRECTS = 5;
/** Default for ClientOptions.timeoutMs. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Most bytes read of a body Cairn does not need (a 201's, a retried 503's) before the connection is dropped. */
export const MAX_DISCARD_BYTES = 64 * 1024;

/** HTTP client for one registry host. */
export class RegistryClient {
  readonly base: string;
  private readonly dispatcher: Dispatcher;
  private readonly auth: Authenticator;
  private readonly ownAgent: boolean;
  private creds: Promise<Credentials | undefined> | undefined;

  constructor(readonly host: string, private readonly options: ClientOptions = {}) {
    const plain = options.plainHttp || (isLoopbackHost(host) && !options.ca && !options.insecure);
    this.base = `${plain ? 'http' : 'https'}://${host}`;
    this.ownAgent = !options.dispatcher;
    this.dispatcher = options.dispatcher ?? new Agent({ connect: { ca: options.ca, rejectUnauthorized: !options.insecure }, keepAliveTimeout: 4000, ...(options.maxConnections ? { connections: options.maxConnections } : {}) });
    const credentials = () => (this.creds ??= options.credentials ? options.credentials() : Promise.resolve(undefined));
    this.auth = new Authenticator(host, credentials, (m, u, h, b) => this.tokenRequest(m, u, h, b), !plain);
  }

  /** Closes the connections (the CLI calls it when a command is done); a response nobody finished reading is aborted. */
  async close(): Promise<void> {
    if (this.ownAgent) await this.dispatcher.destroy();
  }

  /** How long a request that moves `bytes` may take, in ms (deadline.ts). */
  deadlineFor(bytes = 0): number {
    return deadlineMs(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS, bytes);
  }

  /** GET /v2/: is this a registry, and can we authenticate? */
  async ping(): Promise<void> {
    const res = await this.send({ method: 'GET', path: '/v2/', scopes: [], ok: [200] });
    discardBody(res.body);
  }

  /** Sends a request with auth, redirects and retries; non-`ok` statuses throw. */
  async send(req: RegistryRequest): Promise<RegistryResponse> {
    return (await this.exchange(req)).res;
  }

  /**
   * send() and read the whole body, at most `maxBytes` (TOO_LARGE beyond, refused early when
   * Content-Length says so). An idempotent request whose body breaks off is sent again.
   */
  async sendAndRead(req: RegistryRequest, maxBytes: number, where: string): Promise<{ res: RegistryResponse; bytes: Buffer }> {
    const { res, bytes } = await this.exchange(req, { maxBytes, where });
    return { res, bytes: bytes as Buffer };
  }

  // Each attempt runs under a deadline (deadline.ts) that covers its answer and its whole body.
  // An attempt that got no answer by then is sent again, like one whose connection was reset; one
  // whose answer started but did not finish is not (the registry is there, and too slow).
  private async exchange(req: RegistryRequest, read?: { maxBytes: number; where: string }): Promise<{ res: RegistryResponse; bytes?: Buffer }> {
    const attempts = this.options.attempts ?? 4;
    const replayable = req.body === undefined || Buffer.isBuffer(req.body);
    const retryable = IDEMPOTENT.has(req.method) && replayable;
    let url = req.path.startsWith('/') ? `${this.base}${req.path}` : req.path;
    let authorization = await this.auth.headerFor(req.scopes);
    let answered = false;
    let redirects = 0;
    const timeout = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    for (let attempt = 1; ; attempt++) {
      // Credentials go only to the registry's own origin: not to blob storage, not over a downgrade to http.
      const sameOrigin = new URL(url).origin === new URL(this.base).origin;
      const headers: Record<string, string> = { 'user-agent': 'cairn', ...req.headers };
      if (authorization && sameOrigin) headers['authorization'] = authorization;
      this.options.onDebug?.(`${req.method} ${redactUrl(url)}`);
      const deadline = new Deadline(this.deadlineFor(req.transferBytes), req.method, url);
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, { method: req.method, headers, body: req.body, dispatcher: this.dispatcher, headersTimeout: timeout, bodyTimeout: timeout, signal: deadline.signal });
      } catch (err) {
        deadline.clear();
        if (err instanceof CairnError && !deadline.expired) throw err; // the body's own verification failed
        if (retryable && attempt < attempts && (deadline.expired || isTransient(err))) {
          await this.backoff(attempt);
          continue;
        }
        throw deadline.expired ? deadline.error : networkError(req.method, url, err);
      }
      const status = res.statusCode;
      if (status === 401 && sameOrigin && !answered) {
        deadline.clear();
        discardBody(res.body);
        const challenge = headerText(res.headers['www-authenticate']);
        authorization = await this.auth.answer(challenge, req.scopes, headers['authorization']);
        answered = true;
        if (!replayable) throw new CairnError('UNAUTHORIZED', 'the registry asked for credentials in the middle of an upload; retry', { where: `${req.method} ${redactUrl(url)}` });
        attempt--;
        continue;
      }
      const location = headerText(res.headers['location']);
      if ((req.method === 'GET' || req.method === 'HEAD') && [301, 302, 303, 307, 308].includes(status) && location) {
        deadline.clear();
        discardBody(res.body);
        if (++redirects > MAX_REDIRECTS) throw new CairnError('REGISTRY_ERROR', 'too many redirects', { where: `${req.method} ${redactUrl(url)}` });
        url = new URL(location, url).toString();
        attempt--;
        continue;
      }
      if (RETRY_STATUS.has(status) && retryable && attempt < attempts) {
        deadline.clear();
        discardBody(res.body);
        await this.backoff(attempt, headerText(res.headers['retry-after']));
        continue;
      }
      if (!req.ok.includes(status)) {
        let failure: RegistryError;
        try {
          failure = await statusError(req.method, url, status, res.body, status === 401 && answered ? 'credentials rejected' : undefined, (t) => this.auth.scrub(t));
        } finally {
          deadline.clear();
        }
        if (retryable && attempt < attempts && req.retryOn?.(failure)) {
          await this.backoff(attempt);
          continue;
        }
        throw failure;
      }
      const body = networkStream(res.body, req.method, url);
      const response = { status, headers: res.headers, body, url };
      if (!read) {
        // the caller reads the body: the clock runs until it is read or dropped
        body.once('close', () => deadline.clear());
        return { res: response };
      }
      try {
        return { res: response, bytes: await readBody(response, read.maxBytes, read.where) };
      } catch (err) {
        if (deadline.expired) throw deadline.error;
        if (retryable && attempt < attempts && isCairnError(err, 'NETWORK_ERROR')) {
          await this.backoff(attempt);
          continue;
        }
        throw err;
      } finally {
        deadline.clear();
      }
    }
  }

  private async backoff(attempt: number, retryAfter?: string): Promise<void> {
    const base = this.options.backoffMs ?? 200;
    const asked = retryAfter && /^[0-9]+$/.test(retryAfter) ? Number(retryAfter) * 1000 : 0;
    const wait = Math.min(Math.max(asked, base * 2 ** (attempt - 1) * (0.5 + Math.random())), 10_000);
    await sleep(wait);
  }

  // The token realm may be another host; its response body is capped at 1 MiB.
  private async tokenRequest(method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
    const timeout = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = new Deadline(timeout, method, url);
    try {
      const res = await request(url, { method, headers: { 'user-agent': 'cairn', ...headers }, body, dispatcher: this.dispatcher, headersTimeout: timeout, bodyTimeout: timeout, signal: deadline.signal });
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const c of res.body) {
        total += (c as Buffer).length;
        if (total > 1024 * 1024) {
          res.body.destroy();
          throw new CairnError('TOO_LARGE', 'token response larger than 1 MiB', { where: `token ${redactUrl(url)}` });
        }
        chunks.push(c as Buffer);
      }
      return { status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') };
    } catch (err) {
      if (deadline.expired) throw deadline.error;
      if (err instanceof CairnError) throw err;
      throw networkError(method, url, err);
    } finally {
      deadline.clear();
    }
  }
}

/** Reads a whole body of at most `maxBytes`, refusing early when Content-Length announces more. */
async function readBody(res: RegistryResponse, maxBytes: number, where: string): Promise<Buffer> {
  const length = Number(headerText(res.headers['content-length']) ?? NaN);
  if (Number.isFinite(length) && length > maxBytes) {
    res.body.destroy();
    throw new CairnError('TOO_LARGE', `${length} bytes is larger than the limit of ${maxBytes}`, { where });
  }
  return readLimited(res.body, maxBytes, where);
}

/** A response body whose transport failures (reset, cut short, timed out) are one-line NETWORK_ERRORs. */
export function networkStream(body: Readable, method: string, url: string): Readable {
  const out = new PassThrough();
  body.on('error', (err) => out.destroy(err instanceof CairnError ? err : networkError(method, url, err)));
  out.on('close', () => {
    if (!body.destroyed) body.destroy();
  });
  body.pipe(out);
  return out;
}

/** Drains a body Cairn does not need, so that the connection can be reused; drops the connection after MAX_DISCARD_BYTES. */
export function discardBody(body: Readable): void {
  let seen = 0;
  body.on('error', () => undefined);
  body.on('data', (c: Buffer) => {
    seen += c.length;
    if (seen > MAX_DISCARD_BYTES) body.destroy();
  });
}

/** The first value of a header. */
export function headerText(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

const TRANSIENT = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH']);

function isTransient(err: unknown): boolean {
  const code = (err as { code?: string; cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
  return TRANSIENT.has(code ?? '');
}
