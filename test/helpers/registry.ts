import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before } from 'node:test';
import bcrypt from 'bcryptjs';
import { CAIRN_BIN } from './paths.js';

// The real registry for e2e tests: Debian's docker-registry (distribution 2.8.2) on 127.0.0.1
// on a free port, with a temp storage dir and a config of our own (deletes on; the Debian
// default config turns htpasswd on). Variants: htpasswd auth (bcrypt, made by bcryptjs), TLS
// (a self-signed P-256 certificate for 127.0.0.1 and localhost, made by openssl), and bearer
// tokens from a token server the test runs. The
// registry gets no REGISTRY_* variables (distribution reads them as config overrides), and it
// is stopped by its own pid, never by name.

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface RegistryVariant {
  auth?: boolean;
  tls?: boolean;
  /** Bearer-token auth (auth.token) against a token server such as test/helpers/token-server.ts. */
  token?: { realm: string; service: string; issuer: string; certFile: string };
}

/** A running test registry. */
export interface TestRegistry {
  /** `127.0.0.1:<port>`, the registry part of references. */
  host: string;
  url: string;
  dir: string;
  /** The filesystem driver's root (for tests that corrupt storage on purpose). */
  storage: string;
  pid: number;
  user?: string;
  password?: string;
  /** Path of the CA (the self-signed certificate) for TLS variants. */
  caFile?: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function probe(url: string, ca?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = (url.startsWith('https') ? httpsRequest : httpRequest)(`${url}/v2/`, { method: 'GET', ...(ca ? { ca } : {}), timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Starts a registry; call stop() when done (useRegistry does it in after()). */
export async function startRegistry(variant: RegistryVariant = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-registry-'));
  const storage = join(dir, 'data');
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  secret: cairn-test-secret',
  ];
  let caFile: string | undefined;
  if (variant.tls) {
    caFile = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', caFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    lines.push('  tls:', `    certificate: ${caFile}`, `    key: ${join(dir, 'key.pem')}`);
  }
  const user = variant.auth ? 'cairn' : undefined;
  const password = variant.auth ? `pw-${Math.random().toString(36).slice(2)}` : undefined;
  if (variant.auth && user && password) {
    writeFileSync(join(dir, 'htpasswd'), `${user}:${bcrypt.hashSync(password, 6)}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: cairn-test', `    path: ${join(dir, 'htpasswd')}`);
  }
  if (variant.token) {
    const t = variant.token;
    lines.push('auth:', '  token:', `    realm: ${t.realm}`, `    service: ${t.service}`, `    issuer: ${t.issuer}`, `    rootcertbundle: ${t.certFile}`);
  }
  const config = join(dir, 'config.yml');
  writeFileSync(config, `${lines.join('\n')}\n`);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
  const log = openSync(join(dir, 'registry.log'), 'w');
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { env, stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${REGISTRY_BIN}`);
  let exited = false;
  child.on('exit', () => (exited = true));
  const url = `${variant.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const ca = caFile ? readFileSync(caFile, 'utf8') : undefined;
  for (let i = 0; ; i++) {
    const status = await probe(url, ca);
    if (status === 200 || ((variant.auth || variant.token) && status === 401)) break;
    if (exited || i > 150) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      throw new Error(`registry did not start: ${readFileSync(join(dir, 'registry.log'), 'utf8').slice(0, 2000)}`);
    }
    await sleep(100);
  }
  const stop = async (): Promise<void> => {
    if (!exited) {
      try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
      for (let i = 0; i < 50 && !exited; i++) await sleep(100);
      if (!exited) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { host: `127.0.0.1:${port}`, url, dir, storage, pid, user, password, caFile, stop };
}

/** Starts a registry before the file's tests and stops it after them; returns a getter. */
export function useRegistry(variant: RegistryVariant = {}): () => TestRegistry {
  let reg: TestRegistry | undefined;
  before(async () => {
    reg = await startRegistry(variant);
  });
  after(async () => {
    await reg?.stop();
  });
  return () => {
    if (!reg) throw new Error('registry not started');
    return reg;
  };
}

/** What a cairn process did. */
export interface CairnRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/cairn.js ARGS` (input on stdin if given). */
export function runCairn(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CairnRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CAIRN_BIN, ...args], { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString('utf8');
      // A process killed by a signal says so in stderr, so that a failing test shows why.
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: signal ? `${stderr}[killed by ${signal}]` : stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
