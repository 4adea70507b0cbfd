// JSON parsing that keeps every number literal as it was written, for documents whose signature
// covers their canonical JSON (legacy Metablocks). JSON.parse turns 2^60+1 into 2^60 and 1.0
// into 1, so the canonical bytes Cairn checks would differ from the ones Python's json and
// securesystemslib check: securesystemslib writes Python ints exactly and cannot encode floats
// at all. Numbers JSON.parse keeps exactly (integers up to 2^53) stay JS numbers; the others
// become JsonNumber. The slow parser runs only when the text may hold such a literal.
// Source: securesystemslib 0.26 formats.py _encode_canonical; Python json (int() of the literal).

import { randomBytes } from 'node:crypto';

// While stringifyExact runs: the unguessable marker JsonNumber.toJSON writes, and whether it did.
let writing: { nonce: string; used: boolean } | undefined;

/** A number literal JS cannot hold exactly (an integer beyond 2^53) or a non-integer literal. */
export class JsonNumber {
  constructor(
    /** The literal as written. */
    readonly text: string,
    /** True for an integer literal (no fraction, no exponent). */
    readonly integer: boolean,
  ) {}

  /** Inside stringifyExact a marker it turns back into the literal; elsewhere the nearest double. */
  toJSON(): string | number {
    if (!writing) return Number(this.text);
    writing.used = true;
    return `\u0000${writing.nonce}:${this.text}`;
  }
}

/** JSON.stringify that writes every JsonNumber as the literal it was parsed from. */
export function stringifyExact(value: unknown, indent?: number): string {
  const outer = writing;
  const state = (writing = { nonce: randomBytes(12).toString('hex'), used: false });
  try {
    const text = JSON.stringify(value, null, indent);
    return state.used ? text.replace(new RegExp(`"\\\\u0000${state.nonce}:([-+.eE0-9]+)"`, 'g'), '$1') : text;
  } finally {
    writing = outer;
  }
}

// A number token starts after `:`, `,` or `[` (and whitespace). Integers of 15 digits or fewer
// are exact in a double; anything longer, or with a fraction or an exponent, needs the slow path.
const SUSPECT_RE = /[:,[]\s*-?(?:\d{16}|\d+[.eE])/;

/** True when JSON.parse may have changed a number literal of `text`. */
export function mayHoldInexactNumber(text: string): boolean {
  return SUSPECT_RE.test(text);
}

const NUMBER_RE = /-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/y;
const STRING_END_RE = /(?:[^"\\]|\\.)*"/y;
const WS_RE = /[ \t\n\r]*/y;

/** Parses JSON text that JSON.parse has already accepted, keeping inexact numbers as JsonNumber. */
export function parseExact(text: string): unknown {
  let i = 0;
  const ws = () => {
    WS_RE.lastIndex = i;
    WS_RE.exec(text);
    i = WS_RE.lastIndex;
  };
  const str = (): string => {
    STRING_END_RE.lastIndex = i + 1;
    STRING_END_RE.exec(text);
    const end = STRING_END_RE.lastIndex;
    const s = JSON.parse(text.slice(i, end)) as string;
    i = end;
    return s;
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '"') return str();
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') return i++, obj;
      for (;;) {
        ws();
        const key = str();
        ws();
        i++; // ':'
        const v = value();
        // JSON.parse makes "__proto__" an own property; an assignment would set the prototype
        if (key === '__proto__') Object.defineProperty(obj, key, { value: v, writable: true, enumerable: true, configurable: true });
        else obj[key] = v;
        ws();
        if (text[i++] === '}') return obj;
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') return i++, arr;
      for (;;) {
        arr.push(value());
        ws();
        if (text[i++] === ']') return arr;
      }
    }
    if (c === 't') return (i += 4), true;
    if (c === 'f') return (i += 5), false;
    if (c === 'n') return (i += 4), null;
    NUMBER_RE.lastIndex = i;
    const lit = NUMBER_RE.exec(text)![0];
    i += lit.length;
    const integer = !/[.eE]/.test(lit);
    const n = Number(lit);
    return integer && Number.isSafeInteger(n) ? n : new JsonNumber(lit, integer);
  };
  return value();
}
