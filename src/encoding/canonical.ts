import { CairnError } from '../errors.js';
import { JsonNumber } from './exact-json.js';

// OLPC canonical JSON as securesystemslib writes it, the bytes legacy in-toto signatures cover:
// keys sorted by code point, no whitespace, only `\` and `"` escaped (control characters and
// non-ASCII stay raw UTF-8), integers only. The result is not strict JSON when a string holds a
// newline, which PEM keys and recorded stdout do. Integers are written exactly (a JsonNumber
// from parseJsonExact keeps one beyond 2^53 as written); a string holding a lone surrogate has
// no UTF-8 form, so securesystemslib fails on it (str.encode) and so does canonicalBytes, rather
// than sign or check U+FFFD in its place.
// Spec: securesystemslib formats.py _canonical_string_encoder; go-securesystemslib cjson.

const ESCAPE_RE = /["\\]/g;

function encodeString(s: string): string {
  if (s.indexOf('"') < 0 && s.indexOf('\\') < 0) return `"${s}"`;
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

// Objects of BIG_OBJECT keys or more whose keys, and their values' keys all the way down, were
// found in sorted order while encoding (an artifact map of a link Cairn just built and signed):
// prettySortedJson (json.ts) writes them as they are instead of checking them again, which took
// ~70 ms for a 100k-artifact link. Keyed by identity, held weakly; an object changed after it was
// encoded may come out unsorted in the pretty form, never in the canonical one.
const BIG_OBJECT = 64;
export const sortedDeep = new WeakSet<object>();
// How many objects encode() has had to re-sort so far (a subtree is sorted if it adds none).
let resorted = 0;

function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  if (keys.length < 2) return keys; // nearly every object of a link: {"sha256": ...}
  // Metadata written by in-toto or Cairn arrives with its keys already sorted: checking is
  // linear, sorting 100k artifact names is not.
  let sorted = true;
  let surrogate = false;
  for (let i = 0; i < keys.length; i++) {
    if (sorted && i > 0 && keys[i - 1]! > keys[i]!) sorted = false;
    if (!surrogate && SURROGATE_RE.test(keys[i]!)) surrogate = true;
  }
  if (!sorted) keys.sort();
  if (surrogate) keys.sort(byCodePoint);
  if (!sorted || surrogate) resorted++;
  return keys;
}

// Builds the text by string concatenation (V8 ropes), which is about twice as fast as pushing
// pieces into an array on links of 10k+ artifacts. The JSON path of the value being encoded is
// kept as a stack and turned into text only for an error message.
function encode(value: unknown, path: (string | number)[]): string {
  switch (typeof value) {
    case 'string':
      return encodeString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new CairnError('SCHEMA_INVALID', `canonical JSON allows only integers, found ${value}`, { where: pathText(path) });
      }
      return String(value);
    case 'bigint':
      return value.toString();
    case 'object': {
      if (value === null) return 'null';
      if (value instanceof JsonNumber) {
        if (!value.integer) throw new CairnError('SCHEMA_INVALID', `canonical JSON allows only integers, found ${value.text}`, { where: pathText(path) });
        return value.text;
      }
      if (Array.isArray(value)) {
        let s = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) s += ',';
          path.push(i);
          s += encode(value[i], path);
          path.pop();
        }
        return `${s}]`;
      }
      let s = '{';
      let first = true;
      const before = resorted;
      const keys = sortedKeys(value);
      for (const key of keys) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined) continue;
        if (!first) s += ',';
        first = false;
        s += encodeString(key);
        s += ':';
        path.push(key);
        s += encode(v, path);
        path.pop();
      }
      if (keys.length >= BIG_OBJECT && resorted === before) sortedDeep.add(value);
      return `${s}}`;
    }
    default:
      throw new CairnError('SCHEMA_INVALID', `canonical JSON cannot encode a ${typeof value}`, { where: pathText(path) });
  }
}

function pathText(path: (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '$';
}

/** The securesystemslib canonical JSON text of a value. */
export function canonicalJson(value: unknown): string {
  return encode(value, []);
}

// With the u flag, a surrogate pair is one code point: only a lone surrogate matches.
const LONE_SURROGATE_RE = /[\uD800-\uDFFF]/u;

/** The UTF-8 bytes of canonicalJson(value): what a legacy Metablock signature covers. */
export function canonicalBytes(value: unknown): Buffer {
  const text = canonicalJson(value);
  const lone = LONE_SURROGATE_RE.exec(text);
  if (lone) {
    const unit = lone[0].charCodeAt(0).toString(16).toUpperCase();
    throw new CairnError('SCHEMA_INVALID', `canonical JSON cannot encode a string holding a lone surrogate (U+${unit}): it has no UTF-8 form`);
  }
  return Buffer.from(text, 'utf8');
}
