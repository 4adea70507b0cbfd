import { CairnError } from '../errors.js';

// OLPC canonical JSON as securesystemslib writes it, the bytes legacy in-toto signatures cover:
// keys sorted by code point, no whitespace, only `\` and `"` escaped (control characters and
// non-ASCII stay raw UTF-8), integers only. The result is not strict JSON when a string holds a
// newline, which PEM keys and recorded stdout do.
// Spec: securesystemslib formats.py _canonical_string_encoder; go-securesystemslib cjson.

const ESCAPE_RE = /["\\]/g;

function encodeString(s: string): string {
  return `"${s.replace(ESCAPE_RE, '\\$&')}"`;
}

// JS sorts strings by UTF-16 code unit; Python and Go sort by code point. The two differ only
// when a key holds a character above U+FFFF next to one in U+E000..U+FFFF.
function byCodePoint(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done || cb.done) return ca.done ? (cb.done ? 0 : -1) : 1;
    const d = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

const SURROGATE_RE = /[\uD800-\uDFFF]/;

function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  keys.sort();
  if (keys.some((k) => SURROGATE_RE.test(k))) keys.sort(byCodePoint);
  return keys;
}

function encode(value: unknown, out: string[], path: string): void {
  switch (typeof value) {
    case 'string':
      out.push(encodeString(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new CairnError('SCHEMA_INVALID', `canonical JSON allows only integers, found ${value}`, { where: path || '$' });
      }
      out.push(String(value));
      return;
    case 'object': {
      if (value === null) {
        out.push('null');
        return;
      }
      if (Array.isArray(value)) {
        out.push('[');
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out.push(',');
          encode(value[i], out, `${path}[${i}]`);
        }
        out.push(']');
        return;
      }
      out.push('{');
      let first = true;
      for (const key of sortedKeys(value)) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined) continue;
        if (!first) out.push(',');
        first = false;
        out.push(encodeString(key), ':');
        encode(v, out, path ? `${path}.${key}` : key);
      }
      out.push('}');
      return;
    }
    default:
      throw new CairnError('SCHEMA_INVALID', `canonical JSON cannot encode a ${typeof value}`, { where: path || '$' });
  }
}

/** The securesystemslib canonical JSON text of a value. */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  encode(value, out, '');
  return out.join('');
}

/** The UTF-8 bytes of canonicalJson(value): what a legacy Metablock signature covers. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}
