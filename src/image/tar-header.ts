import { CairnError } from '../errors.js';

// Decoding of the fields of a 512-byte tar header and of PAX records, with Go archive/tar's
// rules: octal or base-256 numbers, a checksum that may be summed signed or unsigned, the USTAR
// (or star) name prefix, and strict PAX record syntax. Names must be UTF-8: in-toto artifact
// names are JSON strings, and two different byte strings must never become the same name.

/** The PAX keys that change how an entry is read. */
export interface PaxFields {
  path?: string;
  linkpath?: string;
  size?: number;
  /** A GNU.sparse.* key was present (sparse files are rejected). */
  sparse?: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes bytes [start, end) cut at the first NUL, as UTF-8; anything else is UNSUPPORTED. */
export function readName(buf: Buffer, at: number, start = 0, length = 100): string {
  const limit = Math.min(buf.length, start + length);
  let end = start;
  let ascii = true;
  for (; end < limit; end++) {
    const c = buf[end]!;
    if (c === 0) break;
    if (c > 0x7f) ascii = false;
  }
  if (ascii) return buf.toString('latin1', start, end);
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch {
    throw new CairnError('UNSUPPORTED', `tar entry at byte ${at} has a name that is not UTF-8`);
  }
}

/** The entry name of a header: the name field, behind the USTAR (or star) prefix when present. */
export function headerName(h: Buffer, at: number): string {
  const name = readName(h, at, 0, 100);
  // "ustar\0" magic: USTAR/PAX (155-byte prefix), or star when the block ends in "tar\0" (131 bytes).
  const ustar = h[257] === 0x75 && h[258] === 0x73 && h[259] === 0x74 && h[260] === 0x61 && h[261] === 0x72 && h[262] === 0;
  if (!ustar) return name;
  const star = h[508] === 0x74 && h[509] === 0x61 && h[510] === 0x72 && h[511] === 0;
  const prefix = readName(h, at, 345, star ? 131 : 155);
  return prefix ? `${prefix}/${name}` : name;
}

/** True when the header's checksum field matches its unsigned or signed byte sum. */
export function validChecksum(h: Buffer): boolean {
  let stored: number;
  try {
    stored = parseOctal(h, 148, 8);
  } catch {
    return false;
  }
  // The checksum field itself counts as eight spaces.
  let unsigned = 8 * 32;
  for (let i = 0; i < 148; i++) unsigned += h[i]!;
  for (let i = 156; i < 512; i++) unsigned += h[i]!;
  if (stored === unsigned) return true;
  let signed = 8 * 32;
  for (let i = 0; i < 148; i++) signed += (h[i]! << 24) >> 24;
  for (let i = 156; i < 512; i++) signed += (h[i]! << 24) >> 24;
  return stored === signed;
}

/** A numeric field, octal or base-256; negative or unrepresentable values are rejected. */
export function parseNumeric(h: Buffer, off: number, len: number, at: number, field: string): number {
  if (h[off]! & 0x80) {
    if (h[off]! & 0x40) throw new CairnError('ARCHIVE_INVALID', `tar header at byte ${at} has a negative ${field}`);
    let v = h[off]! & 0x7f;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + h[i]!;
    if (v > Number.MAX_SAFE_INTEGER) throw new CairnError('TOO_LARGE', `tar header at byte ${at} has a ${field} beyond 2^53`);
    return v;
  }
  const v = parseOctal(h, off, len);
  if (v < 0) throw new CairnError('ARCHIVE_INVALID', `tar header at byte ${at} has an invalid ${field} field`);
  return v;
}

// Octal with leading and trailing spaces and NULs trimmed, cut at the first NUL (Go's parseOctal);
// -1 when a character is not an octal digit.
function parseOctal(h: Buffer, off: number, len: number): number {
  let s = off;
  let e = off + len;
  while (s < e && (h[s] === 0x20 || h[s] === 0)) s++;
  while (e > s && (h[e - 1] === 0x20 || h[e - 1] === 0)) e--;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = h[i]!;
    if (c === 0) break;
    if (c < 0x30 || c > 0x37) return -1;
    v = v * 8 + (c - 0x30);
  }
  return v;
}

/** Parses PAX extended header records (`"%d %s=%s\n"`), keeping the keys that matter. */
export function parsePax(buf: Buffer, at: number): PaxFields {
  const out: PaxFields = {};
  let pos = 0;
  while (pos < buf.length) {
    const sp = buf.indexOf(0x20, pos);
    const digits = sp < 0 ? '' : buf.toString('latin1', pos, sp);
    const n = /^[0-9]{1,16}$/.test(digits) ? Number(digits) : -1;
    if (n < 5 || pos + n > buf.length || buf[pos + n - 1] !== 0x0a) throw badPax(at);
    const eq = buf.indexOf(0x3d, sp + 1);
    if (eq < 0 || eq >= pos + n - 1 || eq === sp + 1) throw badPax(at);
    const key = buf.toString('latin1', sp + 1, eq);
    const value = buf.subarray(eq + 1, pos + n - 1);
    pos += n;
    if (key === 'path' || key === 'linkpath') {
      if (value.includes(0)) throw badPax(at);
      out[key] = readName(value, at, 0, value.length);
    } else if (key === 'size') {
      const text = value.toString('latin1');
      if (!/^[0-9]+$/.test(text)) throw badPax(at);
      const size = Number(text);
      if (size > Number.MAX_SAFE_INTEGER) throw new CairnError('TOO_LARGE', `tar entry at byte ${at} has a size beyond 2^53`);
      out.size = size;
    } else if (key.startsWith('GNU.sparse.')) {
      out.sparse = true;
    } else if (key.includes('\0')) {
      throw badPax(at);
    }
  }
  return out;
}

function badPax(at: number): CairnError {
  return new CairnError('ARCHIVE_INVALID', `tar PAX header at byte ${at} is malformed`);
}
