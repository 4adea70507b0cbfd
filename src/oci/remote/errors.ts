import type { Readable } from 'node:stream';
import { CairnError, type ErrorCode } from '../../errors.js';
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
  ) {
    super(code, message, { where: `${method} ${url}` });
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

/** Builds the error for an unexpected status, reading (a capped part of) the body; `scrub` removes secrets the body echoes. */
export async function statusError(method: string, url: string, status: number, body: Readable | undefined, note?: string, scrub: (text: string) => string = (t) => t): Promise<RegistryError> {
  const text = scrub(body ? await readErrorBody(body) : '');
  const { codes, detail } = parseCodes(text);
  const msg = `${status}${note ? ` ${note}:` : ''}${detail ? ` ${detail}` : ''}`;
  return new RegistryError(codeFor(status, codes, detail), msg.replace(/[\r\n]+/g, ' '), method, redactUrl(url), status, codes);
}

/** A connection-level failure (refused, reset, TLS) as a one-line NETWORK_ERROR. */
export function networkError(method: string, url: string, err: unknown): CairnError {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  const text = (e.cause?.message ?? e.message ?? String(err)).split('\n')[0];
  return new CairnError('NETWORK_ERROR', `${code ? `${code}: ` : ''}${text}`, { where: `${method} ${redactUrl(url)}`, cause: err });
}
