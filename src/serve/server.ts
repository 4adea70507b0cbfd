import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrivateKey } from '../crypto/index.js';
import type { ServeConfig } from './config.js';
import { GateService, type LogRecord } from './gate-service.js';
import { gateMetrics } from './metrics.js';
import { parseProviderRequest, providerResponse } from './protocol.js';
import { readTlsFiles, watchTlsFiles } from './tls.js';
import { ConnectionClock } from './connection-clock.js';

// `cairn serve`: HTTPS (TLS 1.3 only, optional client certificates) with
//   POST /verify/<policy>  Gatekeeper external data (and Kyverno, which posts the same body)
//   GET  /healthz          the process answers
//   GET  /readyz           every policy is prepared (layout fetched, trust root walked)
//   GET  /metrics          Prometheus text
// Request bodies are capped and must arrive within 10 s; every error answer is still a
// ProviderResponse (with systemError) so that a policy engine reads it as a denial.

export interface ServeOptions {
  log: (r: LogRecord) => void;
  /** Writes a record already serialized as a JSON object (LogSink.writeJson). */
  logJson?: (json: string) => void;
  summaryKey?: PrivateKey;
  version: string;
}

export interface RunningGate {
  /** The port listened on (useful with port 0). */
  readonly port: number;
  readonly service: GateService;
  /** Graceful stop: not ready, no new connections, in-flight requests finish (up to graceMs). */
  close(graceMs?: number): Promise<void>;
}

const PATH_RE = /^\/verify\/([a-z0-9._-]{1,64})$/;

/** Starts the gate; resolves once it listens (policies keep being prepared in the background). */
export async function startGate(config: ServeConfig, o: ServeOptions): Promise<RunningGate> {
  const metrics = gateMetrics();
  const service = new GateService(config, { log: o.log, ...(o.logJson ? { logJson: o.logJson } : {}), metrics, version: o.version, ...(o.summaryKey ? { summaryKey: o.summaryKey } : {}) });
  const tlsFiles = { cert: config.tls.cert, key: config.tls.key, ...(config.tls.clientCA ? { clientCA: config.tls.clientCA } : {}) };
  const mtls = config.tls.clientCA !== undefined;
  let draining = false;
  const server: Server = createServer({ ...readTlsFiles(tlsFiles), minVersion: 'TLSv1.3', requestCert: mtls, rejectUnauthorized: mtls }, (req, res) => {
    void handle(req, res).catch((err) => {
      o.log({ level: 'error', msg: 'request failed', reason: String(err) });
      if (!res.headersSent) send(res, 500, providerResponse([], 'CAIRN_INTERNAL: the request could not be handled'));
    });
  });
  // slow clients cannot hold connections open (slowloris); idle keep-alive is kept for reuse
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 65_000;
  server.maxHeadersCount = 64;
  server.maxConnections = 4096;
  server.on('tlsClientError', () => undefined);
  const clock = new ConnectionClock(server);
  const stopWatch = watchTlsFiles(tlsFiles, config.tls.reloadMs, (opts) => {
    server.setSecureContext({ ...opts, minVersion: 'TLSv1.3' });
    o.log({ level: 'info', msg: 'tls reloaded' });
  }, (message) => o.log({ level: 'error', msg: message }));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = clock.startOf(req);
    const url = (req.url ?? '/').split('?')[0]!;
    if (url === '/healthz') return send(res, 200, 'ok\n', 'text/plain');
    if (url === '/readyz') {
      const ready = !draining && service.ready();
      return send(res, ready ? 200 : 503, ready ? 'ok\n' : `not ready\n${draining ? 'shutting down\n' : service.notReady().join('\n')}\n`, 'text/plain');
    }
    if (url === '/metrics') return send(res, 200, await metrics.registry.metrics(), metrics.registry.contentType);
    const m = PATH_RE.exec(url);
    const policy = m && config.policies.has(m[1]!) ? m[1]! : undefined;
    const label = policy ?? 'unknown';
    const fail = (status: number, message: string) => {
      metrics.requests.inc({ policy: label, status: String(status) });
      if (status === 413) res.on('finish', () => req.socket.destroy()); // do not read the rest
      else req.resume();
      send(res, status, providerResponse([], message), 'application/json', status === 413);
    };
    if (!policy) return fail(404, `CAIRN_NOT_FOUND: no policy at ${url.slice(0, 100)} (serve paths: ${[...config.policies.keys()].map((p) => `/verify/${p}`).join(', ')})`);
    if (req.method !== 'POST') return fail(405, 'CAIRN_METHOD: POST a ProviderRequest');
    const body = await readCapped(req, config.limits.maxBodyBytes);
    if (body === 'too-large') return fail(413, `CAIRN_TOO_LARGE: the request body is larger than ${config.limits.maxBodyBytes} bytes`);
    if (body === 'aborted') return;
    const parsed = parseProviderRequest(body, config.limits.maxKeys);
    if ('problem' in parsed) return fail(400, `CAIRN_BAD_REQUEST: ${parsed.problem}`);
    const answer = await service.answer(policy, parsed.keys, started);
    metrics.requests.inc({ policy, status: '200' });
    send(res, 200, providerResponse(answer.items, answer.systemError));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  void service.start().catch((err) => o.log({ level: 'error', msg: 'policies not prepared', reason: String(err) }));
  const port = (server.address() as AddressInfo).port;
  o.log({ level: 'info', msg: 'listening', host: config.host, port, mtls, policies: [...config.policies.keys()] });
  return {
    port,
    service,
    async close(graceMs = 10_000) {
      draining = true;
      stopWatch();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let t: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((r) => (t = setTimeout(r, graceMs)))]);
      clearTimeout(t);
      server.closeAllConnections();
      await service.close(Math.min(graceMs, 2_000));
      o.log({ level: 'info', msg: 'stopped' });
    },
  };
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json', close = false): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...(close ? { connection: 'close' } : {}) });
  res.end(body);
}

// Reads at most `max` bytes; refuses early on a Content-Length above it.
function readCapped(req: IncomingMessage, max: number): Promise<Buffer | 'too-large' | 'aborted'> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      total += c.length;
      if (total > max) {
        done = true;
        req.pause();
        resolve('too-large');
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
      done = true;
    });
    req.on('error', () => {
      if (!done) resolve('aborted');
      done = true;
    });
    req.on('aborted', () => {
      if (!done) resolve('aborted');
      done = true;
    });
  });
}
