import { CairnError } from '../../errors.js';
import { TokenResponseSchema } from '../../schema/index.js';
import type { Credentials } from './credentials.js';
import { redactUrl } from './errors.js';

// Spec: https://distribution.github.io/distribution/spec/auth/token/ and RFC 7235.
// A 401 carries a challenge: Basic (send the credentials) or Bearer (get a token for the scopes
// from the realm, with the credentials as Basic auth, or an identity token by OAuth2 POST).
// Tokens are cached per scope set until shortly before they expire. Tokens, passwords and
// Authorization headers never appear in errors, and credentials of an HTTPS registry are never
// sent to a plain-HTTP realm.

/** One WWW-Authenticate challenge. */
export interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

/** Parses a WWW-Authenticate header; Bearer is preferred when several schemes are offered. */
export function parseChallenge(header: string): Challenge | undefined {
  const found: Challenge[] = [];
  // A scheme is a token followed by a space or the end (RFC 7235 §2.1), not a parameter named `bearer=`.
  const re = /(?:^|,)\s*(Basic|Bearer)(?=\s|$)/gi;
  let m: RegExpExecArray | null;
  const starts: { scheme: string; index: number; end: number }[] = [];
  while ((m = re.exec(header))) starts.push({ scheme: (m[1] as string).toLowerCase(), index: m.index, end: re.lastIndex });
  starts.forEach((s, i) => {
    const text = header.slice(s.end, starts[i + 1]?.index ?? header.length);
    const params: Record<string, string> = {};
    for (const p of text.matchAll(/([A-Za-z_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
      params[(p[1] as string).toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
    }
    found.push({ scheme: s.scheme as Challenge['scheme'], params });
  });
  return found.find((c) => c.scheme === 'bearer') ?? found[0];
}

/** A raw HTTP call used to reach the token realm (no auth, no retries of its own). */
export type TokenSender = (method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: string) => Promise<{ status: number; text: string }>;

interface CachedToken {
  scopes: Set<string>;
  header: string;
  expires: number;
}

/** Authorization for one registry host. */
export class Authenticator {
  private basic = false;
  private readonly tokens: CachedToken[] = [];
  private readonly secrets = new Set<string>();

  constructor(
    private readonly host: string,
    private readonly credentials: () => Promise<Credentials | undefined>,
    private readonly send: TokenSender,
    /** The registry is spoken to over HTTPS: credentials then never go to a plain-HTTP realm. */
    private readonly secure = false,
  ) {}

  /** The Authorization header to send for these scopes, if one is known. */
  async headerFor(scopes: string[]): Promise<string | undefined> {
    if (this.basic) return basicHeader(await this.credentials());
    const now = Date.now();
    return this.tokens.find((t) => t.expires > now && scopes.every((s) => t.scopes.has(s)))?.header;
  }

  /**
   * Replaces every secret this authenticator has handled (password, Basic credential, identity
   * and bearer tokens) by `***`: for text a registry sent back, which may echo them.
   */
  scrub(text: string): string {
    let out = text;
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
    return out;
  }

  private remember(...values: (string | undefined)[]): void {
    for (const v of values) if (v && v.length >= 3) this.secrets.add(v);
  }

  /**
   * Answers a 401 challenge to a request sent with `sent` (its Authorization header, if any);
   * returns the header to retry with, or throws UNAUTHORIZED. Requests sent in parallel before
   * the first challenge was answered are each answered, not taken for a rejection.
   */
  async answer(wwwAuthenticate: string | undefined, scopes: string[], sent?: string): Promise<string> {
    const challenge = wwwAuthenticate ? parseChallenge(wwwAuthenticate) : undefined;
    const creds = await this.credentials();
    if (creds?.kind === 'basic') this.remember(creds.password, basicHeader(creds)?.slice('Basic '.length));
    if (creds?.kind === 'identity-token') this.remember(creds.token);
    if (!challenge) throw new CairnError('UNAUTHORIZED', 'registry refused the request (401) without a usable challenge', { where: this.host, details: { reason: creds ? 'credentials-rejected' : 'auth-required', host: this.host } });
    if (challenge.scheme === 'basic') {
      const header = basicHeader(creds);
      if (!header) throw new CairnError('UNAUTHORIZED', 'authentication required, and no credentials are stored for this registry', { where: this.host, details: { reason: 'auth-required', host: this.host } });
      if (sent === header) throw new CairnError('UNAUTHORIZED', 'credentials rejected', { where: this.host, details: { reason: 'credentials-rejected', host: this.host } });
      this.basic = true;
      return header;
    }
    const wanted = [...new Set([...scopes, ...(challenge.params['scope'] ? challenge.params['scope'].split(' ') : [])])];
    const token = await this.fetchToken(challenge.params, wanted, creds);
    return token;
  }

  private async fetchToken(params: Record<string, string>, scopes: string[], creds: Credentials | undefined): Promise<string> {
    const realm = params['realm'];
    if (!realm || !/^https?:\/\//.test(realm)) throw new CairnError('UNAUTHORIZED', 'Bearer challenge without a usable realm', { where: this.host });
    const where = `token ${redactUrl(realm)}`;
    if (this.secure && creds && realm.startsWith('http:')) {
      throw new CairnError('UNAUTHORIZED', 'the registry asks for credentials to be sent to a plain-HTTP token realm; refused', { where });
    }
    let res: { status: number; text: string };
    if (creds?.kind === 'identity-token') {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.token, client_id: 'cairn', ...(params['service'] ? { service: params['service'] } : {}), scope: scopes.join(' ') });
      res = await this.send('POST', realm, { 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
    } else {
      const url = new URL(realm);
      if (params['service']) url.searchParams.set('service', params['service']);
      for (const s of scopes) url.searchParams.append('scope', s);
      const auth = basicHeader(creds);
      res = await this.send('GET', url.toString(), auth ? { authorization: auth } : {});
    }
    if (res.status === 401 || res.status === 403) {
      throw new CairnError('UNAUTHORIZED', creds ? `credentials rejected (${res.status})` : `authentication required (${res.status}), and no credentials are stored for this registry`, { where, details: { reason: creds ? 'credentials-rejected' : 'auth-required', host: this.host } });
    }
    if (res.status !== 200) throw new CairnError('REGISTRY_ERROR', `token request failed with ${res.status}`, { where });
    let json: unknown;
    try {
      json = JSON.parse(res.text);
    } catch {
      throw new CairnError('REGISTRY_ERROR', 'token response is not JSON', { where });
    }
    const parsed = TokenResponseSchema.safeParse(json);
    const value = parsed.success ? (parsed.data.token ?? parsed.data.access_token) : undefined;
    if (!parsed.success || !value) throw new CairnError('REGISTRY_ERROR', 'token response has no token', { where });
    const lifetime = Math.max(parsed.data.expires_in ?? 60, 20);
    this.remember(value);
    const header = `Bearer ${value}`;
    this.tokens.push({ scopes: new Set(scopes), header, expires: Date.now() + (lifetime - 10) * 1000 });
    return header;
  }
}

function basicHeader(creds: Credentials | undefined): string | undefined {
  if (creds?.kind !== 'basic') return undefined;
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`, 'utf8').toString('base64')}`;
}
