import { CairnError } from '../../errors.js';

// Just enough CBOR (RFC 8949) to read a COSE_Sign1 message (RFC 9052 §4.2) as notation writes
// it: definite-length items, maps, arrays, byte and text strings, small integers and tags.
// Indefinite lengths, floats and big numbers are refused. Depth and sizes are bounded by the
// input, which the caller has capped.

export type Cbor = number | bigint | Buffer | string | boolean | null | undefined | Cbor[] | Map<Cbor, Cbor> | { tag: number; value: Cbor };

/** Decodes one CBOR item that spans all of `bytes`. */
export function decodeCbor(bytes: Buffer, where?: string): Cbor {
  let pos = 0;
  const fail = (why: string): never => {
    throw new CairnError('SCHEMA_INVALID', `not a COSE message: ${why} at byte ${pos}`, { where });
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) fail('truncated');
  };
  const length = (info: number): number => {
    if (info < 24) return info;
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : fail('indefinite or reserved length');
    need(size);
    let n = 0;
    for (let i = 0; i < size; i++) n = n * 256 + bytes[pos + i]!;
    pos += size;
    if (!Number.isSafeInteger(n)) fail('length too large');
    return n;
  };
  const item = (depth: number): Cbor => {
    if (depth > 32) fail('nested too deeply');
    need(1);
    const first = bytes[pos++]!;
    const major = first >> 5;
    const info = first & 31;
    switch (major) {
      case 0: return length(info);
      case 1: return -1 - length(info);
      case 2: case 3: {
        const n = length(info);
        need(n);
        const b = bytes.subarray(pos, pos + n);
        pos += n;
        return major === 2 ? Buffer.from(b) : b.toString('utf8');
      }
      case 4: {
        const n = length(info);
        if (n > bytes.length - pos) fail('array longer than the input');
        return Array.from({ length: n }, () => item(depth + 1));
      }
      case 5: {
        const n = length(info);
        if (n > bytes.length - pos) fail('map longer than the input');
        const m = new Map<Cbor, Cbor>();
        for (let i = 0; i < n; i++) m.set(item(depth + 1), item(depth + 1));
        return m;
      }
      case 6: return { tag: length(info), value: item(depth + 1) };
      default:
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        return fail('unsupported simple value or float');
    }
  };
  const out = item(0);
  if (pos !== bytes.length) fail('trailing bytes');
  return out;
}
