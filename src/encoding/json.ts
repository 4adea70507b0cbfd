import { isAscii } from 'node:buffer';
import { CairnError } from '../errors.js';
import { sortedDeep } from './canonical.js';
import { mayHoldInexactNumber, parseExact, stringifyExact } from './exact-json.js';

// Metadata is nearly always ASCII; V8 builds a one-byte string from it much faster as latin1
// (identical for ASCII) than through the UTF-8 decoder. Big links are megabytes of it.
/** UTF-8 bytes as text (decoded as latin1 when they are all ASCII: the same string, sooner). */
export function decodeText(buf: Buffer): string {
  return isAscii(buf) ? buf.toString('latin1') : buf.toString('utf8');
}

/** JSON.parse that reports a one-line SCHEMA_INVALID naming the source instead of a SyntaxError. */
export function parseJson(text: string | Uint8Array, where?: string): unknown {
  const s = typeof text === 'string' ? text : decodeText(Buffer.from(text.buffer, text.byteOffset, text.byteLength));
  try {
    return JSON.parse(s);
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new CairnError('SCHEMA_INVALID', `not valid JSON: ${msg}`, { where, cause: err });
  }
}

/**
 * parseJson for a document whose signature covers its canonical JSON: number literals that
 * JSON.parse would change (integers beyond 2^53, fractions, exponents) come back as JsonNumber.
 * Costs one regex scan of the text when there are none (nearly always).
 */
export function parseJsonExact(text: string | Uint8Array, where?: string): unknown {
  const s = typeof text === 'string' ? text : decodeText(Buffer.from(text.buffer, text.byteOffset, text.byteLength));
  const value = parseJson(s, where);
  return mayHoldInexactNumber(s) ? parseExact(s) : value;
}

/** Pretty JSON with sorted keys and a one-space indent, as in-toto 1.3.1 writes its metadata. */
export function prettySortedJson(value: unknown): string {
  return stringifyExact(sortDeep(value), 1);
}

function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

// Copies only the objects whose keys are out of order: artifact maps built in sorted order
// (100k entries for a large tree) pass through untouched.
function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = sortDeep(value[i]);
      if (v !== value[i]) (copy ??= value.slice())[i] = v;
    }
    return copy ?? value;
  }
  if (value && typeof value === 'object') {
    if (sortedDeep.has(value)) return value; // just encoded as canonical JSON: sorted throughout
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1) {
      // nearly every object of a link: {"sha256": ...}
      const k = keys[0]!;
      const v = obj[k];
      if (typeof v !== 'object' || v === null) return obj;
      const sorted = sortDeep(v);
      return sorted === v ? obj : { [k]: sorted };
    }
    const sorted = isSorted(keys);
    let out: Record<string, unknown> | undefined = sorted ? undefined : Object.create(null);
    const order = sorted ? keys : [...keys].sort();
    for (const k of order) {
      const v = sortDeep(obj[k]);
      if (!out && v !== obj[k]) {
        out = Object.create(null) as Record<string, unknown>;
        for (const k2 of order) {
          if (k2 === k) break;
          out[k2] = obj[k2];
        }
      }
      if (out) out[k] = v;
    }
    return out ?? obj;
  }
  return value;
}
