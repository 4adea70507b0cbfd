import type { Readable } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { CairnError, type ErrorCode, type ErrorDetails } from '../../errors.js';
import { RegistryErrorBodySchema } from '../../schema/index.js';

// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes
// A registry failure becomes one line: method, redacted URL, status, and the registry's own
// error codes, read from at most MAX_ERROR_BODY bytes of the body. URLs lose their query
// (blob-storage redirects carry signatures there) and user info; headers are never shown.

/** At most this many bytes of an error body are read. */
export const MAX_ERROR_BODY = 8 * 1024;

/** A registry answered with an error: the request, the status and the registry's codes. */
export class RegistryError extends CairnError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly registryCodes: string[],
    details: ErrorDetails = {},
  ) {
    super(code, message, { where: `${method} ${url}`, details: { status, ...(registryCodes.length ? { registryCodes: registryCodes.join(',') } : {}), ...details } });
  }
}

/** The URL without credentials or query string, safe for messages and debug output. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '<invalid url>';
  }
}

/** Reads at most MAX_ERROR_BODY bytes of a body and discards the rest. */
export async function readErrorBody(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      chunks.push(buf.subarray(0, Math.max(0, MAX_ERROR_BODY - total)));
      total += buf.length;
      if (total >= MAX_ERROR_BODY) break;
    }
  } catch {
    // the body is only decoration for the message
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseCodes(text: string): { codes: string[]; detail: string } {
  try {
    const parsed = RegistryErrorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success && parsed.data.errors?.length) {
      const errors = parsed.data.errors;
      const codes = errors.map((e) => e.code ?? 'UNKNOWN');
      const detail = errors.map((e) => `${e.code ?? 'UNKNOWN'}${e.message ? `: ${e.message}` : ''}`).join('; ');
      return { codes, detail };
    }
  } catch {
    // not JSON: a proxy's or router's text
  }
  const line = text.split('\n')[0]?.trim().slice(0, 200) ?? '';
  return { codes: [], detail: line };
}

function codeFor(status: number, codes: string[], detail: string): ErrorCode {
  if (status === 401 || status === 403 || codes.includes('DENIED') || codes.includes('UNAUTHORIZED')) return 'UNAUTHORIZED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 413 || detail.includes('request body too large')) return 'TOO_LARGE';
  if (codes.includes('DIGEST_INVALID')) return 'DIGEST_MISMATCH';
  return 'REGISTRY_ERROR';
}

// Go's TLS server (the registry's) answers a plain-HTTP request with this 400.
const HTTP_TO_HTTPS = /HTTP request to an HTTPS server/i;

/** Builds the error for an unexpected status, reading (a capped part of) the body; `scrub` removes secrets the body echoes. */
export async function statusError(method: string, url: string, status: number, body: Readable | undefined, note?: string, scrub: (text: string) => string = (t) => t): Promise<RegistryError> {
  const text = scrub(body ? await readErrorBody(body) : '');
  const { codes, detail } = parseCodes(text);
  const host = hostOf(url);
  if (status === 400 && HTTP_TO_HTTPS.test(text)) {
    return new RegistryError('NETWORK_ERROR', 'the registry speaks HTTPS but was contacted over plain HTTP (it answered 400)', method, redactUrl(url), status, codes, { reason: 'https-spoken-as-http', host });
  }
  // a bare status gets its reason phrase: "401 Unauthorized", not "401"
  const said = detail || note ? detail : (STATUS_CODES[status] ?? '');
  const msg = `${status}${note ? ` ${note}:` : ''}${said ? ` ${said}` : ''}`.replace(/:$/, '');
  const code = codeFor(status, codes, detail);
  const reason = code === 'UNAUTHORIZED' ? (note ? 'credentials-rejected' : status === 403 || codes.includes('DENIED') ? 'denied' : 'auth-required') : undefined;
  return new RegistryError(code, msg.replace(/[\r\n]+/g, ' '), method, redactUrl(url), status, codes, { host, ...(reason ? { reason } : {}) });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

// Node's TLS verification codes that mean "this certificate is not one we trust".
const UNTRUSTED_CERT = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/**
 * A connection-level failure (refused, reset, TLS) as a one-line NETWORK_ERROR that says what
 * happened in words, with the system's code and a `reason` in its details.
 */
export function networkError(method: string, url: string, err: unknown): CairnError {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  const text = (e.cause?.message ?? e.message ?? String(err)).split('\n')[0] ?? '';
  const host = hostOf(url);
  const where = `${method} ${redactUrl(url)}`;
  const fail = (message: string, reason: string) => new CairnError('NETWORK_ERROR', message, { where, cause: err, details: { reason, host, ...(code ? { systemCode: code } : {}) } });
  if (code === 'ECONNREFUSED') return fail(`connection refused: nothing listens at ${host} (ECONNREFUSED)`, 'connection-refused');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return fail(`unknown host ${hostOf(url).replace(/:[0-9]+$/, '')} (${code})`, 'unknown-host');
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/i.test(text)) {
    return fail('the registry speaks plain HTTP but was contacted over HTTPS (its answer is not TLS)', 'http-spoken-as-https');
  }
  if (code && UNTRUSTED_CERT.has(code)) {
    const why = code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN' ? 'it is self-signed' : code === 'CERT_HAS_EXPIRED' ? 'it has expired' : code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? `it is not issued for ${host}` : 'no trusted CA issued it';
    return fail(`the registry's TLS certificate is not trusted: ${why} (${code})`, 'tls-untrusted');
  }
  return fail(`${code ? `${code}: ` : ''}${text}`, 'network');
}
