import { CairnError } from '../errors.js';

// An attribute rule of a layout (ITE-11 `expectedAttributes`): a CEL expression that must be
// true for every counted piece of evidence of a step or inspection, and an optional message
// shown when it is not. A layout writes one as a bare string (ITE-11's "list of CEL
// expressions") or as an object `{"rule": ..., "message": ...}` (the attestation-verifier
// prototype's `Constraint`, whose `debug` is read as `message`). The prototype's `warn` and
// `allowIfNoClaim` would make a failing rule pass; a layout that asks for them is refused
// rather than verified more strictly than its author meant (docs/policy.md).
// Spec: https://github.com/in-toto/ITE/blob/master/ITE/11/README.adoc

/** One attribute rule. */
export interface AttributeRule {
  /** The CEL expression, exactly as the layout writes it. */
  readonly rule: string;
  /** What to tell the user when the rule does not hold. */
  readonly message?: string;
}

/** Limits on a rule's text, checked before it is parsed (the parser has its own, see cel.ts). */
export const MAX_RULE_LENGTH = 4096;
/** How many attribute rules one step or inspection may carry. */
export const MAX_RULES_PER_ITEM = 1000;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads one entry of `expected_attributes`; throws SCHEMA_INVALID naming `where`. */
export function readAttributeRule(entry: unknown, where: string): AttributeRule {
  const bad = (what: string) => new CairnError('SCHEMA_INVALID', what, { where });
  let rule: unknown = entry;
  let message: unknown;
  if (isObj(entry)) {
    for (const k of Object.keys(entry)) {
      if (k === 'warn' || k === 'allowIfNoClaim') throw bad(`"${k}" is not supported: every attribute rule must hold (see docs/policy.md)`);
      if (k !== 'rule' && k !== 'message' && k !== 'debug') throw bad(`unknown field "${k}" (an attribute rule has "rule" and "message")`);
    }
    if ('message' in entry && 'debug' in entry) throw bad('give "message" or "debug", not both');
    rule = entry['rule'];
    message = entry['message'] ?? entry['debug'];
    if (message !== undefined && typeof message !== 'string') throw bad('"message" must be a string');
  }
  if (typeof rule !== 'string') throw bad('an attribute rule is a CEL expression (a string) or {"rule": "...", "message": "..."}');
  if (rule.trim() === '') throw bad('the rule is empty');
  if (rule.length > MAX_RULE_LENGTH) throw bad(`the rule is ${rule.length} characters long, more than ${MAX_RULE_LENGTH}`);
  return message === undefined || message === '' ? { rule } : { rule, message: message as string };
}

/** Reads a whole `expected_attributes` list (absent: none). */
export function readAttributeRules(list: unknown, where: string): AttributeRule[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new CairnError('SCHEMA_INVALID', 'expected_attributes must be a list', { where });
  if (list.length > MAX_RULES_PER_ITEM) throw new CairnError('SCHEMA_INVALID', `more than ${MAX_RULES_PER_ITEM} attribute rules`, { where });
  return list.map((e, i) => readAttributeRule(e, `${where}[${i}]`));
}
