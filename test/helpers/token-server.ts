import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

// A Docker token server for the e2e registry (https://distribution.github.io/distribution/spec/auth/token/):
// GET /token?service=&scope=... with Basic credentials answers a JWT (ES256, signed by a key
// whose self-signed certificate, made with openssl at test time, is the registry's
// rootcertbundle and rides in the x5c header) granting the scopes asked for. It keeps every
// token it issued, so tests can look for them in what Cairn printed.

/** A running token server. */
export interface TokenServer {
  /** The realm to give the registry. */
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate the registry trusts (auth.token.rootcertbundle). */
  certFile: string;
  /** Every token handed out. */
  issued: string[];
  /** Requests that came with wrong or no credentials. */
  refused: number;
  close(): Promise<void>;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function jwt(key: KeyObject, certDer: Buffer, claims: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c: [certDer.toString('base64')] }));
  const body = b64url(JSON.stringify(claims));
  const signature = sign('sha256', Buffer.from(`${header}.${body}`), { key, dsaEncoding: 'ieee-p1363' });
  return `${header}.${body}.${b64url(signature)}`;
}

// `repository:team/app:pull,push` → the access claim entry.
function access(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const m = /^([a-z]+):(.+):([a-z*,]+)$/.exec(scope);
  return m ? { type: m[1] as string, name: m[2] as string, actions: (m[3] as string).split(',') } : undefined;
}

/** Starts a token server for `user`/`password` with its key material in `dir`. */
export async function startTokenServer(dir: string, user: string, password: string): Promise<TokenServer> {
  const keyFile = join(dir, 'token-key.pem');
  const certFile = join(dir, 'token-cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=cairn-test-token-issuer'], { stdio: 'ignore' });
  const key = createPrivateKey(readFileSync(keyFile));
  const certDer = new X509Certificate(readFileSync(certFile)).raw;
  const service = 'cairn-test-registry';
  const issuer = 'cairn-test-issuer';
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const state = { issued: [] as string[], refused: 0 };
  const server = createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://token');
    if (url.pathname !== '/token' || req.headers.authorization !== expected) {
      state.refused++;
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ details: 'wrong credentials' }));
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const token = jwt(key, certDer, {
      iss: issuer,
      sub: user,
      aud: url.searchParams.get('service') ?? service,
      exp: now + 300,
      nbf: now - 30,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access: url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).map(access).filter((a) => a !== undefined),
    });
    state.issued.push(token);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    get issued() {
      return state.issued;
    },
    get refused() {
      return state.refused;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
