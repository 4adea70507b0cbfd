import { CairnError } from '../errors.js';

// gitignore-style exclude patterns with the exact semantics in-toto's file resolver uses
// (python pathspec 0.11 GitWildMatchPattern, as in Debian bookworm): a pattern without a slash
// matches at any depth, a trailing slash or a match on a directory covers everything below it,
// `**` spans directories, `!` re-includes, and the last matching pattern wins.
// Source: pathspec/patterns/gitwildmatch.py pattern_to_regex, _translate_segment_glob.

interface CompiledPattern {
  regex: RegExp;
  include: boolean;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

// One path segment's glob to regex: * and ? never cross '/', [..] with ! or ^ negation.
function segmentGlob(seg: string, original: string): string {
  let out = '';
  let escape = false;
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (escape) {
      escape = false;
      out += escapeRe(c);
    } else if (c === '\\') {
      escape = true;
    } else if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      let j = i + 1;
      if (j < seg.length && seg[j] === '!') j++;
      if (j < seg.length && seg[j] === ']') j++;
      while (j < seg.length && seg[j] !== ']') j++;
      if (j < seg.length) {
        let k = i + 1;
        let expr = '[';
        if (seg[k] === '!') {
          expr += '^';
          k++;
        } else if (seg[k] === '^') {
          expr += '\\^';
          k++;
        }
        // A ']' right after '[' or '[!' is literal in Python; JS needs it escaped.
        const body = seg.slice(k, j + 1).replace(/\\/g, '\\\\');
        out += expr + (body.startsWith(']') && body.length > 1 ? `\\${body}` : body);
        i = j;
      } else {
        out += '\\[';
      }
    } else {
      out += escapeRe(c);
    }
  }
  if (escape) throw new CairnError('INVALID_ARGUMENT', `invalid exclude pattern ${JSON.stringify(original)} (trailing backslash)`);
  return out;
}

function compile(pattern: string): CompiledPattern | undefined {
  const original = pattern;
  let p = pattern.trim();
  if (!p || p.startsWith('#') || p === '/') return undefined;
  let include = true;
  if (p.startsWith('!')) {
    include = false;
    p = p.slice(1);
  }
  let segs = p.split('/');
  for (let i = segs.length - 1; i > 0; i--) if (segs[i - 1] === '**' && segs[i] === '**') segs.splice(i, 1);
  if (segs.length === 2 && segs[0] === '**' && !segs[1]) return { regex: /^.+\/.*$/, include };
  if (!segs[0]) segs = segs.slice(1);
  else if (segs.length === 1 || (segs.length === 2 && !segs[1])) {
    if (segs[0] !== '**') segs.unshift('**');
  }
  if (segs.length === 0) throw new CairnError('INVALID_ARGUMENT', `invalid exclude pattern ${JSON.stringify(original)}`);
  if (!segs[segs.length - 1] && segs.length > 1) segs[segs.length - 1] = '**';
  let out = '^';
  let needSlash = false;
  const end = segs.length - 1;
  segs.forEach((seg, i) => {
    if (seg === '**') {
      if (i === 0 && i === end) out += '[^/]+(?:/.*)?';
      else if (i === 0) {
        out += '(?:.+/)?';
        needSlash = false;
      } else if (i === end) out += '/.*';
      else {
        out += '(?:/.+)?';
        needSlash = true;
      }
    } else {
      if (needSlash) out += '/';
      out += seg === '*' ? '[^/]+' : segmentGlob(seg, original);
      if (i === end) out += '(?:/.*)?';
      needSlash = true;
    }
  });
  out += '$';
  return { regex: new RegExp(out), include };
}

/** A compiled list of gitignore-style patterns; `matches(path)` says whether the path is excluded. */
export class PathSpec {
  private readonly patterns: CompiledPattern[];
  /** Without negations, "any pattern matches" is one regex: one test per path, not one per pattern. */
  private readonly any: RegExp | undefined;

  constructor(lines: string[]) {
    this.patterns = lines.map(compile).filter((p): p is CompiledPattern => p !== undefined);
    if (this.patterns.length > 1 && this.patterns.every((p) => p.include)) {
      this.any = new RegExp(this.patterns.map((p) => `(?:${p.regex.source})`).join('|'));
    }
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** True when the last pattern matching `path` is not a negation. */
  matches(path: string): boolean {
    if (this.any) return this.any.test(path);
    let matched = false;
    for (const p of this.patterns) if (p.regex.test(path)) matched = p.include;
    return matched;
  }
}
