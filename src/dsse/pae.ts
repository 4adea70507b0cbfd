// Spec: https://github.com/secure-systems-lab/dsse/blob/master/protocol.md#signature-definition
// PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, where LEN is the
// decimal byte length. The Python reference counts characters of the type; a non-ASCII type
// shows the difference, and bytes are what the spec says.

/** Pre-authentication encoding: the exact bytes a DSSE signature covers. */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'ascii'),
    type,
    Buffer.from(` ${payload.length} `, 'ascii'),
    payload,
  ]);
}

// Base64 characters per step of paeFromBase64: a multiple of 4, so that every step but the
// last decodes to whole 3-byte groups and the steps' encodings concatenate to the whole's.
const STEP = 4 * 16384;

/**
 * PAE(type, payload) for a payload given as base64, decoded straight into the PAE buffer (one
 * copy of megabytes less), with the payload as a view of it. Only for the canonical standard
 * encoding, whose decoding re-encodes to the same text (the check decodeBase64's fast path
 * makes); undefined for anything else, which decodeBase64 then validates and decodes.
 * Decoded and re-encoded 64k characters at a time: node copies a whole string into a scratch
 * buffer to decode it, and re-encoding all of it makes a second string as long as the payload;
 * for a 30 MB payload that was 60 MB of short-lived memory, and GC returns it late.
 */
export function paeFromBase64(payloadType: string, base64: string): { bytes: Buffer; payload: Buffer } | undefined {
  const type = Buffer.from(payloadType, 'utf8');
  const length = Buffer.byteLength(base64, 'base64');
  const head = Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${length} `, 'utf8');
  const bytes = Buffer.allocUnsafe(head.length + length);
  head.copy(bytes, 0);
  let at = head.length;
  for (let i = 0; i < base64.length && at <= bytes.length; i += STEP) at += bytes.write(base64.slice(i, i + STEP), at, 'base64');
  if (at !== bytes.length) return undefined;
  const payload = bytes.subarray(head.length);
  // Every step decoded to 3/4 of its length (else `at` fell short), so step i's bytes start at
  // 3i/4; each must re-encode to its own text, and then the whole re-encodes to the whole.
  for (let i = 0; i < base64.length; i += STEP) {
    const from = (i / 4) * 3;
    if (payload.subarray(from, from + (STEP / 4) * 3).toString('base64') !== base64.slice(i, i + STEP)) return undefined;
  }
  return { bytes, payload };
}
