// Artifact rule patterns are globbed with Python's fnmatch, not with shell globs: `*` crosses
// `/`, `?` is one character, `[...]` is a set (`[!...]` negated), nothing else is special, and
// matching is case-sensitive. The pattern is translated exactly as CPython 3.11's
// fnmatch.translate does, then into a JavaScript RegExp; interior `*` pieces use Python's atomic
// groups, emulated with a capturing lookahead, so matching time stays linear.
// Source: CPython Lib/fnmatch.py (translate), as in Debian bookworm's python3.11.

/** A compiled pattern: true when the whole path matches. */
export type GlobMatcher = (path: string) => boolean;

const STAR = Symbol('star');
type Piece = string | typeof STAR;

const CACHE = new Map<string, GlobMatcher>();
const CACHE_LIMIT = 4096;

/** Compiles a pattern once; later calls with the same pattern reuse it. */
export function compileGlob(pattern: string): GlobMatcher {
  let m = CACHE.get(pattern);
  if (!m) {
    m = build(pattern);
    if (CACHE.size >= CACHE_LIMIT) CACHE.clear();
    CACHE.set(pattern, m);
  }
  return m;
}

/** Python's fnmatch.filter: the paths the pattern matches, in iteration order. */
export function globFilter(paths: Iterable<string>, pattern: string): string[] {
  const m = compileGlob(pattern);
  const out: string[] = [];
  for (const p of paths) if (m(p)) out.push(p);
  return out;
}

function build(pattern: string): GlobMatcher {
  if (!/[*?[]/.test(pattern)) return (p) => p === pattern;
  if (/^\*+$/.test(pattern)) return () => true;
  const simple = /^(\*?)([^*?[]*)(\*?)$/.exec(pattern);
  if (simple && simple[2] && (simple[1] || simple[3])) {
    const lit = simple[2];
    if (simple[1] && simple[3]) return (p) => p.includes(lit);
    return simple[1] ? (p) => p.endsWith(lit) : (p) => p.startsWith(lit);
  }
  const re = new RegExp(toRegExpSource(translate(pattern)), 'su');
  return (p) => re.test(p);
}

function esc(cp: number): string {
  const ch = String.fromCodePoint(cp);
  return /[A-Za-z0-9_]/.test(ch) ? ch : `\\u{${cp.toString(16)}}`;
}

// fnmatch.translate, first pass: literals, `.`, classes (as JS source) and STAR markers.
function translate(pattern: string): Piece[] {
  const pat = Array.from(pattern);
  const n = pat.length;
  const res: Piece[] = [];
  let i = 0;
  while (i < n) {
    const c = pat[i++]!;
    if (c === '*') {
      if (res.length === 0 || res[res.length - 1] !== STAR) res.push(STAR);
    } else if (c === '?') {
      res.push('.');
    } else if (c === '[') {
      let j = i;
      if (j < n && pat[j] === '!') j++;
      if (j < n && pat[j] === ']') j++;
      while (j < n && pat[j] !== ']') j++;
      if (j >= n) {
        res.push(esc(0x5b));
      } else {
        res.push(classSource(pat, i, j));
        i = j + 1;
      }
    } else {
      res.push(esc(c.codePointAt(0)!));
    }
  }
  return res;
}

// The regex class for pat[i..j) (without the brackets), as CPython builds its class text
// ("stuff") and then as Python's regex parser reads that text.
function classSource(pat: string[], i: number, j: number): string {
  let stuff: string;
  const slice = (a: number, b: number) => pat.slice(a, b).join('');
  if (!pat.slice(i, j).includes('-')) {
    stuff = slice(i, j).replace(/\\/g, '\\\\');
  } else {
    const chunks: string[] = [];
    let k = pat[i] === '!' ? i + 2 : i + 1;
    for (;;) {
      k = pat.indexOf('-', k);
      if (k < 0 || k >= j) break;
      chunks.push(slice(i, k));
      i = k + 1;
      k = k + 3;
    }
    const last = slice(i, j);
    if (last) chunks.push(last);
    else chunks[chunks.length - 1] += '-';
    for (let m = chunks.length - 1; m > 0; m--) {
      const prev = Array.from(chunks[m - 1]!);
      const cur = Array.from(chunks[m]!);
      if (prev[prev.length - 1]!.codePointAt(0)! > cur[0]!.codePointAt(0)!) {
        chunks[m - 1] = prev.slice(0, -1).join('') + cur.slice(1).join('');
        chunks.splice(m, 1);
      }
    }
    stuff = chunks.map((s) => s.replace(/\\/g, '\\\\').replace(/-/g, '\\-')).join('-');
  }
  stuff = stuff.replace(/([&~|])/g, '\\$1');
  if (!stuff) return '(?!)';
  if (stuff === '!') return '.';
  if (stuff[0] === '!') stuff = `^${stuff.slice(1)}`;
  else if (stuff[0] === '^' || stuff[0] === '[') stuff = `\\${stuff}`;
  return pythonClassToJs(stuff);
}

// Reads a Python regex class body the way sre_parse does (leading `^` negates, a `]` first is
// literal, `\x` is x, `a-b` is a range, a `-` before the end is literal) and writes it with
// every character as a \u{...} escape, so no JavaScript class syntax can differ.
function pythonClassToJs(body: string): string {
  const cps = Array.from(body);
  let p = 0;
  let negate = false;
  if (cps[0] === '^') {
    negate = true;
    p = 1;
  }
  const atom = (): number => {
    const c = cps[p++]!;
    if (c === '\\') return cps[p++]!.codePointAt(0)!;
    return c.codePointAt(0)!;
  };
  const parts: string[] = [];
  while (p < cps.length) {
    const lo = atom();
    if (cps[p] === '-' && p + 1 < cps.length) {
      p++;
      const hi = atom();
      parts.push(`${esc(lo)}-${esc(hi)}`);
    } else {
      parts.push(esc(lo));
    }
  }
  return `[${negate ? '^' : ''}${parts.join('')}]`;
}

// Second pass of fnmatch.translate: `fixed STAR fixed STAR fixed` becomes an anchored pattern in
// which each interior `*fixed` is atomic (first occurrence wins), as Python's `(?>.*?fixed)`.
function toRegExpSource(pieces: Piece[]): string {
  const out: string[] = ['^'];
  let i = 0;
  let group = 0;
  while (i < pieces.length && pieces[i] !== STAR) out.push(pieces[i++] as string);
  while (i < pieces.length) {
    i++; // the STAR
    if (i === pieces.length) {
      out.push('.*');
      break;
    }
    const fixed: string[] = [];
    while (i < pieces.length && pieces[i] !== STAR) fixed.push(pieces[i++] as string);
    if (i === pieces.length) {
      out.push('.*', fixed.join(''));
    } else {
      group++;
      out.push(`(?=(.*?${fixed.join('')}))\\${group}`);
    }
  }
  out.push('$');
  return out.join('');
}
