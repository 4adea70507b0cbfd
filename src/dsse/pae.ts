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

/**
 * PAE(type, payload) for a payload given as base64, decoded straight into the PAE buffer (one
 * copy of megabytes less), with the payload as a view of it. Only for the canonical standard
 * encoding, whose decoding re-encodes to the same text (the check decodeBase64's fast path
 * makes); undefined for anything else, which decodeBase64 then validates and decodes.
 */
export function paeFromBase64(payloadType: string, base64: string): { bytes: Buffer; payload: Buffer } | undefined {
  const type = Buffer.from(payloadType, 'utf8');
  const length = Buffer.byteLength(base64, 'base64');
  const head = Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${length} `, 'utf8');
  const bytes = Buffer.allocUnsafe(head.length + length);
  head.copy(bytes, 0);
  const written = bytes.write(base64, head.length, 'base64');
  if (written !== length) return undefined;
  const payload = bytes.subarray(head.length);
  return payload.toString('base64') === base64 ? { bytes, payload } : undefined;
}
