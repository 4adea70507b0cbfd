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
