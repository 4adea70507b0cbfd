import { CairnError } from '../errors.js';

// DSSE verifiers MUST accept both the standard and the URL-safe base64 alphabet, with or
// without padding (https://github.com/secure-systems-lab/dsse/blob/master/envelope.md).
// Buffer.from(s, 'base64') silently skips characters it does not know, so validate first.

const B64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Decodes standard or URL-safe base64, rejecting anything else. */
export function decodeBase64(s: string, where?: string): Buffer {
  // Fast path: input that is exactly the standard padded encoding of what it decodes to is
  // valid by construction (re-encoding a few MB is cheaper than scanning it with a regex).
  const fast = Buffer.from(s, 'base64');
  if (fast.toString('base64') === s) return fast;
  const trimmed = s.replace(/\s+/g, '');
  if (!B64_RE.test(trimmed) || trimmed.replace(/=+$/, '').length % 4 === 1) {
    throw new CairnError('SCHEMA_INVALID', 'not valid base64', { where });
  }
  return Buffer.from(trimmed, 'base64');
}

/** Standard base64 with padding, which every DSSE implementation reads. */
export function encodeBase64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

/** Decodes hex (legacy Metablock signatures), rejecting odd lengths and non-hex characters. */
export function decodeHex(s: string, where?: string): Buffer {
  if (!HEX_RE.test(s)) throw new CairnError('SCHEMA_INVALID', 'not valid hex', { where });
  return Buffer.from(s, 'hex');
}
