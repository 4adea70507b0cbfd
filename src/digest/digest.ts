import { createHash } from 'node:crypto';
import { CairnError } from '../errors.js';

// Spec: https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests
// Cairn reads and writes sha256 content addresses; sha512 is accepted when parsing so that a
// foreign manifest is reported as UNSUPPORTED rather than malformed.

/** A content address, `sha256:<64 lowercase hex>`. */
export type Digest = `sha256:${string}`;

const SHA256_RE = /^sha256:[a-f0-9]{64}$/;
const ANY_DIGEST_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** True when `s` is a well-formed sha256 digest. */
export function isDigest(s: unknown): s is Digest {
  return typeof s === 'string' && SHA256_RE.test(s);
}

/** Validates a digest string; other algorithms are UNSUPPORTED, garbage is INVALID_ARGUMENT. */
export function parseDigest(s: string, where?: string): Digest {
  if (SHA256_RE.test(s)) return s as Digest;
  if (ANY_DIGEST_RE.test(s) && !s.startsWith('sha256:')) {
    throw new CairnError('UNSUPPORTED', `digest algorithm not supported: ${s.slice(0, 80)}`, { where });
  }
  throw new CairnError('INVALID_ARGUMENT', `not a sha256 digest: ${JSON.stringify(s.slice(0, 80))}`, { where });
}

/** sha256 of bytes as lowercase hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The `sha256:<hex>` digest of bytes. */
export function digestOf(data: Uint8Array | string): Digest {
  return `sha256:${sha256Hex(data)}`;
}

/** The hex part of a digest. */
export function digestHex(d: Digest): string {
  return d.slice('sha256:'.length);
}
