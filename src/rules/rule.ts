import { CairnError } from '../errors.js';

// Artifact rules are lists of tokens; keywords are case-insensitive, patterns and names keep
// their case. The accepted shapes are exactly in-toto's rulelib.unpack_rule:
//   MATCH <pattern> [IN <src-prefix>] WITH (MATERIALS|PRODUCTS) [IN <dst-prefix>] FROM <step>
//   CREATE|DELETE|MODIFY|ALLOW|DISALLOW <pattern>,  REQUIRE <path>
// Spec: https://github.com/in-toto/docs/blob/master/in-toto-spec.md#433-artifact-rules

/** A rule kind that takes one pattern. */
export type SimpleRuleKind = 'create' | 'delete' | 'modify' | 'allow' | 'disallow';

/** A parsed artifact rule; `text` is the rule as written, for messages. */
export type Rule =
  | {
      readonly kind: 'match';
      readonly text: string;
      readonly pattern: string;
      readonly sourcePrefix: string;
      readonly destType: 'materials' | 'products';
      readonly destPrefix: string;
      readonly destName: string;
    }
  | { readonly kind: SimpleRuleKind; readonly text: string; readonly pattern: string }
  | { readonly kind: 'require'; readonly text: string; readonly path: string };

/** Every rule keyword, lower case. */
export const RULE_KEYWORDS: readonly string[] = ['match', 'create', 'delete', 'modify', 'allow', 'disallow', 'require'];

const SIMPLE = new Set<string>(['create', 'delete', 'modify', 'allow', 'disallow']);

function bad(message: string, where?: string): CairnError {
  return new CairnError('SCHEMA_INVALID', message, { where });
}

/** The rule as one line, tokens separated by spaces (as in-toto logs it). */
export function ruleText(tokens: readonly string[]): string {
  return tokens.join(' ');
}

/** Parses a token list into a Rule, or throws SCHEMA_INVALID naming what is wrong. */
export function parseRule(tokens: unknown, where?: string): Rule {
  if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string')) throw bad('a rule must be a list of strings', where);
  const t = tokens as string[];
  const lower = t.map((s) => s.toLowerCase());
  const text = ruleText(t);
  const keyword = lower[0];
  if (t.length < 2 || keyword === undefined || !RULE_KEYWORDS.includes(keyword)) {
    const what = keyword === undefined ? 'an empty rule' : t.length < 2 ? `rule ${JSON.stringify(text)} has no pattern` : `unknown rule keyword ${JSON.stringify(t[0])}`;
    throw bad(`${what} (rules start with MATCH, CREATE, DELETE, MODIFY, ALLOW, DISALLOW or REQUIRE)`, where);
  }
  if (keyword !== 'match') {
    if (t.length !== 2) throw bad(`${keyword.toUpperCase()} takes exactly one pattern, got ${JSON.stringify(text)}`, where);
    if (keyword === 'require') return { kind: 'require', text, path: t[1]! };
    if (SIMPLE.has(keyword)) return { kind: keyword as SimpleRuleKind, text, pattern: t[1]! };
  }
  return parseMatch(t, lower, text, where);
}

function parseMatch(t: string[], lower: string[], text: string, where?: string): Rule {
  let sourcePrefix = '';
  let destPrefix = '';
  let destType: string;
  let destName: string;
  const n = t.length;
  if (n === 10 && lower[2] === 'in' && lower[4] === 'with' && lower[6] === 'in' && lower[8] === 'from') {
    [sourcePrefix, destType, destPrefix, destName] = [t[3]!, lower[5]!, t[7]!, t[9]!];
  } else if (n === 8 && lower[2] === 'in' && lower[4] === 'with' && lower[6] === 'from') {
    [sourcePrefix, destType, destName] = [t[3]!, lower[5]!, t[7]!];
  } else if (n === 8 && lower[2] === 'with' && lower[4] === 'in' && lower[6] === 'from') {
    [destType, destPrefix, destName] = [lower[3]!, t[5]!, t[7]!];
  } else if (n === 6 && lower[2] === 'with' && lower[4] === 'from') {
    [destType, destName] = [lower[3]!, t[5]!];
  } else {
    throw bad(`malformed MATCH rule ${JSON.stringify(text)} (MATCH <pattern> [IN <prefix>] WITH MATERIALS|PRODUCTS [IN <prefix>] FROM <step>)`, where);
  }
  if (destType !== 'materials' && destType !== 'products') {
    throw bad(`MATCH rule ${JSON.stringify(text)} must match WITH MATERIALS or WITH PRODUCTS`, where);
  }
  return { kind: 'match', text, pattern: t[1]!, sourcePrefix, destType, destPrefix, destName };
}

/** Parses a list of rules; the error names the index of the first bad one. */
export function parseRules(list: readonly unknown[], where = 'rules'): Rule[] {
  return list.map((tokens, i) => parseRule(tokens, `${where}[${i}]`));
}
