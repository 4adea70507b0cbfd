import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { CairnError } from '../../errors.js';
import { isLoopbackHost } from '../reference.js';
import { Authenticator } from './auth.js';
import type { Credentials } from './credentials.js';
import { networkError, redactUrl, statusError } from './errors.js';

// HTTP to one registry host over undici: keep-alive connections (several at once for parallel
// transfers), TLS verification unless `insecure`, plain HTTP for loopback hosts or when asked,
// 401 → authenticate and retry once, redirects (blob storage) followed by hand without the
// Authorization header when they leave the registry, and retries with exponential backoff and
// jitter on 408/429/5xx and connection resets — only for idempotent requests whose body can be
// sent again.

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
    this.dispatcher = options.dispatcher ?? new Agent({ connect: { ca: options.ca, rejectUnauthorized: !options.insecure }, keepAliveTimeout: 4000 });
    const credentials = () => (this.creds ??= options.credentials ? options.credentials() : Promise.resolve(undefined));
    this.auth = new Authenticator(host, credentials, (m, u, h, b) => this.tokenRequest(m, u, h, b));
  }

  /** Closes idle connections (the CLI calls it when a command is done). */
  async close(): Promise<void> {
    if (this.ownAgent) await this.dispatcher.close();
  }

  /** GET /v2/: is this a registry, and can we authenticate? */
  async ping(): Promise<void> {
    const res = await this.send({ method: 'GET', path: '/v2/', scopes: [], ok: [200] });
    res.body.resume();
  }

  /** Sends a request with auth, redirects and retries; non-`ok` statuses throw. */
  async send(req: RegistryRequest): Promise<RegistryResponse> {
    const attempts = this.options.attempts ?? 4;
    const replayable = req.body === undefined || Buffer.isBuffer(req.body);
    const retryable = IDEMPOTENT.has(req.method) && replayable;
    let url = req.path.startsWith('/') ? `${this.base}${req.path}` : req.path;
    let authorization = await this.auth.headerFor(req.scopes);
    let answered = false;
    let redirects = 0;
    for (let attempt = 1; ; attempt++) {
      const sameHost = new URL(url).host === new URL(this.base).host;
      const headers: Record<string, string> = { 'user-agent': 'cairn', ...req.headers };
      if (authorization && sameHost) headers['authorization'] = authorization;
      this.options.onDebug?.(`${req.method} ${redactUrl(url)}`);
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, { method: req.method, headers, body: req.body, dispatcher: this.dispatcher });
      } catch (err) {
        if (err instanceof CairnError) throw err; // the body's own verification failed
        if (retryable && attempt < attempts && isTransient(err)) {
          await this.backoff(attempt);
          continue;
        }
        throw networkError(req.method, url, err);
      }
      const status = res.statusCode;
      if (status === 401 && sameHost && !answered) {
        res.body.resume();
        const challenge = headerText(res.headers['www-authenticate']);
        authorization = await this.auth.answer(challenge, req.scopes);
        answered = true;
        if (!replayable) throw new CairnError('UNAUTHORIZED', 'the registry asked for credentials in the middle of an upload; retry', { where: `${req.method} ${redactUrl(url)}` });
        attempt--;
        continue;
      }
      const location = headerText(res.headers['location']);
      if ((req.method === 'GET' || req.method === 'HEAD') && [301, 302, 303, 307, 308].includes(status) && location) {
        res.body.resume();
        if (++redirects > MAX_REDIRECTS) throw new CairnError('REGISTRY_ERROR', 'too many redirects', { where: `${req.method} ${redactUrl(url)}` });
        url = new URL(location, url).toString();
        attempt--;
        continue;
      }
      if (RETRY_STATUS.has(status) && retryable && attempt < attempts) {
        res.body.resume();
        await this.backoff(attempt, headerText(res.headers['retry-after']));
        continue;
      }
      if (req.ok.includes(status)) return { status, headers: res.headers, body: res.body, url };
      throw await statusError(req.method, url, status, res.body, status === 401 && answered ? 'credentials rejected' : undefined);
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
    try {
      const res = await request(url, { method, headers: { 'user-agent': 'cairn', ...headers }, body, dispatcher: this.dispatcher });
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
      if (err instanceof CairnError) throw err;
      throw networkError(method, url, err);
    }
  }
}

/** The first value of a header. */
export function headerText(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function isTransient(err: unknown): boolean {
  const code = (err as { code?: string; cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
  return ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED'].includes(code ?? '');
}
