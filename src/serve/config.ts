import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { dirname, resolve } from 'node:path';
import { CairnError, isCairnError } from '../errors.js';
import { parseJson } from '../encoding/index.js';
import { loadPublicKey, type PublicKey } from '../crypto/index.js';
import { parseReference } from '../oci/index.js';
import type { GatePolicy } from '../gate/index.js';

// The server's config file (JSON), checked completely at start-up: every mistake is reported,
// one line each, naming the field (`policies.prod.layout: ...`), and the server does not start.
// Paths are relative to the config file. Requests never choose layouts, keys or registries:
// everything that decides trust is here. Documented in docs/serve.md.

/** How the gate reaches one registry. */
export interface RegistrySettings {
  readonly plainHttp: boolean;
  readonly insecure: boolean;
  readonly ca?: string;
  /** Verifications running at once against this registry; more wait in line. */
  readonly maxConcurrent: number;
  /** HTTP connections open at once to this registry. */
  readonly maxConnections: number;
  /** A registry silent this long fails the request (ms). */
  readonly timeoutMs: number;
}

export interface ServeConfig {
  readonly file: string;
  readonly host: string;
  readonly port: number;
  readonly tls: { readonly cert: string; readonly key: string; readonly clientCA?: string; readonly reloadMs: number };
  readonly deadlineMs: number;
  readonly cache: { readonly maxEntries: number; readonly passTtlMs: number; readonly failTtlMs: number };
  readonly trustRefreshMs: number;
  readonly limits: { readonly maxBodyBytes: number; readonly maxKeys: number; readonly maxQueued: number };
  readonly registries: ReadonlyMap<string, RegistrySettings>;
  readonly summaries: { readonly keys: readonly PublicKey[]; readonly maxAgeMs: number };
  readonly policies: ReadonlyMap<string, GatePolicy>;
}

const POLICY_NAME_RE = /^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$/;
const TOP = new Set(['listen', 'tls', 'deadlineMs', 'cache', 'trustRefreshSeconds', 'limits', 'registries', 'summaries', 'policies']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads and checks a config file; throws one INVALID_ARGUMENT listing every mistake, one per line. */
export function loadServeConfig(file: string): ServeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CairnError('FILE_NOT_FOUND', `cannot read the config: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { where: file });
  }
  return checkServeConfig(parseJson(text, file), file);
}

/** Checks a parsed config (see loadServeConfig). */
export function checkServeConfig(raw: unknown, file: string): ServeConfig {
  const problems: string[] = [];
  const bad = (path: string, message: string) => problems.push(`${file}: ${path}: ${message}`);
  const base = dirname(resolve(file));
  const path = (p: string) => resolve(base, p);
  if (!isObj(raw)) throw new CairnError('INVALID_ARGUMENT', `${file}: the config must be a JSON object`);
  for (const k of Object.keys(raw)) if (!TOP.has(k)) bad(k, `unknown field (expected one of ${[...TOP].join(', ')})`);

  const num = (o: Obj, key: string, at: string, dflt: number, min: number, max: number): number => {
    const v = o[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      bad(`${at}${key}`, `expected a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
      return dflt;
    }
    return v;
  };
  const obj = (v: unknown, at: string): Obj => {
    if (v === undefined) return {};
    if (!isObj(v)) {
      bad(at, 'expected an object');
      return {};
    }
    return v;
  };
  const readText = (p: unknown, at: string): string | undefined => {
    if (typeof p !== 'string' || !p) {
      bad(at, 'expected a file path');
      return undefined;
    }
    try {
      return readFileSync(path(p), 'utf8');
    } catch (err) {
      bad(at, `cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      return undefined;
    }
  };
  const keyFiles = (v: unknown, at: string): PublicKey[] => {
    if (!Array.isArray(v) || v.length === 0) {
      bad(at, 'expected a non-empty list of public key files');
      return [];
    }
    return v.flatMap((f, i) => {
      const t = readText(f, `${at}[${i}]`);
      if (t === undefined) return [];
      try {
        return [loadPublicKey(t, String(f))];
      } catch (err) {
        bad(`${at}[${i}]`, isCairnError(err) ? err.message : String(err));
        return [];
      }
    });
  };

  // listen
  let host = '0.0.0.0';
  let port = 8443;
  if (raw['listen'] !== undefined) {
    const m = typeof raw['listen'] === 'string' ? /^(.*):([0-9]{1,5})$/.exec(raw['listen']) : null;
    if (!m || Number(m[2]) > 65535) bad('listen', 'expected HOST:PORT, e.g. 0.0.0.0:8443');
    else {
      host = m[1]!.replace(/^\[(.*)\]$/, '$1') || '0.0.0.0';
      port = Number(m[2]);
    }
  }

  // tls: always on
  const tls = obj(raw['tls'], 'tls');
  if (raw['tls'] === undefined) bad('tls', 'required: TLS 1.3 is always on; give tls.cert and tls.key');
  for (const k of Object.keys(tls)) if (!['cert', 'key', 'clientCA', 'reloadSeconds'].includes(k)) bad(`tls.${k}`, 'unknown field (cert, key, clientCA, reloadSeconds)');
  const cert = readText(tls['cert'], 'tls.cert');
  const key = readText(tls['key'], 'tls.key');
  const clientCA = tls['clientCA'] === undefined ? undefined : readText(tls['clientCA'], 'tls.clientCA');
  if (cert !== undefined && key !== undefined) {
    try {
      createSecureContext({ cert, key, ...(clientCA ? { ca: clientCA } : {}) });
    } catch (err) {
      bad('tls', `the certificate, key or client CA cannot be used: ${(err as Error).message}`);
    }
  }
  const reloadMs = num(tls, 'reloadSeconds', 'tls.', 10, 1, 3600) * 1000;

  const deadlineMs = num(raw, 'deadlineMs', '', 2500, 100, 30_000);
  const cacheObj = obj(raw['cache'], 'cache');
  const cache = {
    maxEntries: num(cacheObj, 'maxEntries', 'cache.', 10_000, 0, 10_000_000),
    passTtlMs: num(cacheObj, 'passTtlSeconds', 'cache.', 600, 0, 86_400) * 1000,
    failTtlMs: num(cacheObj, 'failTtlSeconds', 'cache.', 30, 0, 3600) * 1000,
  };
  const trustRefreshMs = num(raw, 'trustRefreshSeconds', '', 60, 1, 86_400) * 1000;
  const limitsObj = obj(raw['limits'], 'limits');
  const limits = {
    maxBodyBytes: num(limitsObj, 'maxBodyBytes', 'limits.', 1024 * 1024, 1024, 64 * 1024 * 1024),
    maxKeys: num(limitsObj, 'maxKeys', 'limits.', 1000, 1, 100_000),
    maxQueued: num(limitsObj, 'maxQueued', 'limits.', 1000, 1, 1_000_000),
  };

  // registries: the only hosts the gate ever contacts
  const registries = new Map<string, RegistrySettings>();
  const regs = obj(raw['registries'], 'registries');
  if (Object.keys(regs).length === 0) bad('registries', 'name at least one registry the gate may contact');
  for (const [name, v] of Object.entries(regs)) {
    const at = `registries.${name}.`;
    const r = obj(v, `registries.${name}`);
    for (const k of Object.keys(r)) if (!['plainHttp', 'insecure', 'caFile', 'maxConcurrent', 'maxConnections', 'timeoutSeconds'].includes(k)) bad(`${at}${k}`, 'unknown field');
    for (const k of ['plainHttp', 'insecure']) if (r[k] !== undefined && typeof r[k] !== 'boolean') bad(`${at}${k}`, 'expected true or false');
    registries.set(name, {
      plainHttp: r['plainHttp'] === true,
      insecure: r['insecure'] === true,
      ...(r['caFile'] !== undefined ? { ca: readText(r['caFile'], `${at}caFile`) } : {}),
      maxConcurrent: num(r, 'maxConcurrent', at, 4, 1, 256),
      maxConnections: num(r, 'maxConnections', at, 8, 1, 1024),
      timeoutMs: num(r, 'timeoutSeconds', at, 10, 1, 600) * 1000,
    });
  }

  const sum = obj(raw['summaries'], 'summaries');
  const summaries = {
    keys: sum['trustedKeys'] === undefined ? [] : keyFiles(sum['trustedKeys'], 'summaries.trustedKeys'),
    maxAgeMs: num(sum, 'maxAgeSeconds', 'summaries.', 86_400, 1, 90 * 86_400) * 1000,
  };

  const policies = new Map<string, GatePolicy>();
  const pols = obj(raw['policies'], 'policies');
  if (Object.keys(pols).length === 0) bad('policies', 'define at least one policy (served at /verify/<name>)');
  for (const [name, v] of Object.entries(pols)) {
    const at = `policies.${name}`;
    if (!POLICY_NAME_RE.test(name)) bad(at, 'a policy name is lowercase letters, digits, ".", "_" or "-" (it is a URL path segment)');
    const p = obj(v, at);
    for (const k of Object.keys(p)) if (!['layout', 'layoutKeys', 'trustRoot', 'requireDigest', 'platform', 'parameters'].includes(k)) bad(`${at}.${k}`, 'unknown field');
    const layout = pinned(p['layout'], `${at}.layout`, bad, registries);
    let signers: GatePolicy['signers'] | undefined;
    if ((p['layoutKeys'] === undefined) === (p['trustRoot'] === undefined)) bad(at, 'give either layoutKeys or trustRoot (exactly one)');
    else if (p['layoutKeys'] !== undefined) signers = { kind: 'keys', keys: keyFiles(p['layoutKeys'], `${at}.layoutKeys`) };
    else {
      const root = pinned(p['trustRoot'], `${at}.trustRoot`, bad, registries);
      if (root) signers = { kind: 'trust-root', root };
    }
    if (p['requireDigest'] !== undefined && typeof p['requireDigest'] !== 'boolean') bad(`${at}.requireDigest`, 'expected true or false');
    if (p['platform'] !== undefined && (typeof p['platform'] !== 'string' || !/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(p['platform']))) bad(`${at}.platform`, 'expected os/arch[/variant]');
    const params = obj(p['parameters'], `${at}.parameters`);
    for (const [k, pv] of Object.entries(params)) if (typeof pv !== 'string') bad(`${at}.parameters.${k}`, 'expected a string');
    if (layout && signers) {
      policies.set(name, {
        name, layout, signers,
        requireDigest: p['requireDigest'] !== false,
        ...(typeof p['platform'] === 'string' ? { platform: p['platform'] } : {}),
        ...(Object.keys(params).length ? { parameters: params as Record<string, string> } : {}),
      });
    }
  }
  if (problems.length > 0) throw new CairnError('INVALID_ARGUMENT', `${problems.length} mistake(s) in the config:\n${problems.join('\n')}`);
  return {
    file, host, port, deadlineMs, cache, trustRefreshMs, limits, registries, summaries, policies,
    tls: { cert: path(String(tls['cert'])), key: path(String(tls['key'])), ...(clientCA !== undefined ? { clientCA: path(String(tls['clientCA'])) } : {}), reloadMs },
  };
}

// A layout or trust root: pinned by digest, in a configured registry (or an oci: directory).
function pinned(v: unknown, at: string, bad: (p: string, m: string) => void, registries: ReadonlyMap<string, RegistrySettings>): string | undefined {
  if (typeof v !== 'string' || !v) {
    bad(at, 'expected a reference pinned by digest (REGISTRY/REPO@sha256:...)');
    return undefined;
  }
  try {
    const ref = parseReference(v);
    if (!ref.digest) {
      bad(at, `${v} is not pinned: add @sha256:... (a tag can be moved by whoever can push)`);
      return undefined;
    }
    if (ref.kind === 'registry' && !registries.has(ref.registry)) {
      bad(at, `registry ${ref.registry} is not listed under registries`);
      return undefined;
    }
    return v;
  } catch (err) {
    bad(at, isCairnError(err) ? err.message : String(err));
    return undefined;
  }
}
