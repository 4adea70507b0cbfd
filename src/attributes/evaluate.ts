import type { Environment, ASTNode } from '@marcbachmann/cel-js';
import { isCairnError } from '../errors.js';
import { celEnvironment, celErrorLine, compileNode, compileRule, nodeText, type CompiledRule } from './cel.js';
import { runBounded } from './bounded.js';
import { DEFAULT_ATTRIBUTE_TIMEOUT_MS } from './limits.js';
import type { AttributeRule } from './rule.js';
import { attributeVariables, COMMON_VARIABLES, LINK_VARIABLES, type AttributeContext, type AttributeEvidence } from './variables.js';

// Evaluating attribute rules: each rule over each counted piece of evidence of its item must
// be exactly `true`. False, any other value (a string, null: the prototype let those pass) and
// an evaluation error (a missing field, a type mismatch) fail the item. The message names the
// item, the rule (and its message), the evidence, and the values of the parts of the rule that
// made it false. All items are evaluated under one time limit (bounded.ts).

/** The rules of one step or inspection, parsed once. */
export interface CompiledItemRules {
  readonly item: string;
  readonly rules: readonly { readonly rule: AttributeRule; readonly compiled: CompiledRule }[];
}

/** Why an item's attribute rules failed, or how many evaluations passed. */
export interface ItemAttributeOutcome {
  readonly item: string;
  readonly evaluated: number;
  readonly failure?: { readonly rule: string; readonly origin: string; readonly message: string };
}

let runtimeEnv: Environment | undefined;
function env(): Environment {
  runtimeEnv ??= celEnvironment([...COMMON_VARIABLES, ...LINK_VARIABLES]);
  return runtimeEnv;
}

/** Parses the rules of an item; throws SCHEMA_INVALID (naming `where`) for one that does not parse. */
export function compileItemRules(item: string, rules: readonly AttributeRule[], where: string): CompiledItemRules {
  return { item, rules: rules.map((rule, i) => ({ rule, compiled: compileRule(env(), rule.rule, `${where}[${i}]`) })) };
}


/** Evaluates every item's rules over its evidence, under one time limit. */
export function evaluateAttributeRules(
  items: readonly { readonly rules: CompiledItemRules; readonly evidence: readonly AttributeEvidence[] }[],
  ctx: AttributeContext,
  timeoutMs = DEFAULT_ATTRIBUTE_TIMEOUT_MS,
): ItemAttributeOutcome[] {
  let current = '';
  const outcomes: ItemAttributeOutcome[] = [];
  const work = () => {
    for (const { rules, evidence } of items) {
      let evaluated = 0;
      let failure: ItemAttributeOutcome['failure'];
      for (const e of evidence) {
        const vars = attributeVariables(e, ctx);
        for (const { rule, compiled } of rules.rules) {
          current = `${rules.item}: attribute rule ${JSON.stringify(rule.rule)} over ${e.origin}`;
          const why = judge(compiled, vars);
          evaluated++;
          if (why !== undefined) {
            failure = { rule: rule.rule, origin: e.origin, message: failureMessage(rule, e.origin, why) };
            break;
          }
        }
        if (failure) break;
      }
      outcomes.push({ item: rules.item, evaluated, ...(failure ? { failure } : {}) });
    }
  };
  runBounded(work, timeoutMs, () => current);
  return outcomes;
}

function failureMessage(rule: AttributeRule, origin: string, why: string): string {
  const head = rule.message ? `${rule.message} (rule ${JSON.stringify(rule.rule)})` : `rule ${JSON.stringify(rule.rule)}`;
  return `${head} failed on ${origin}: ${why}`;
}

// Undefined when the rule holds, else why not.
function judge(compiled: CompiledRule, vars: object): string | undefined {
  let value;
  try {
    value = compiled.evaluate(vars);
  } catch (err) {
    if (isCairnError(err)) return err.message;
    return `error: ${celErrorLine(err)}`;
  }
  if (value === true) return undefined;
  if (value !== false) return `evaluated to ${show(value)}, not a bool`;
  const parts = explain(compiled.ast, vars);
  return parts.length > 0 ? `false, where ${parts.join(', ')}` : 'false';
}

const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=', 'in']);
const isLiteral = (n: ASTNode): boolean => n.op === 'value' || ((n.op === 'list' || n.op === 'map') && childrenOfLiteral(n));
function childrenOfLiteral(n: ASTNode): boolean {
  const args = n.args as unknown[];
  return args.every((a) => (Array.isArray(a) ? a.every((x) => isLiteral(x as ASTNode)) : isLiteral(a as ASTNode)));
}

// The values of the parts of a false rule that made it false: the non-literal sides of a
// comparison, the false conjunct of an &&, the receiver of a method (startsWith, all, ...).
// Parts inside a comprehension refer to its variable and are not evaluated on their own.
function explain(node: ASTNode, vars: object, depth = 0): string[] {
  if (depth > 8) return [];
  const value = (n: ASTNode): string | undefined => {
    try {
      return `${clip(nodeText(n), 80)} is ${show(compileNode(env(), n).evaluate(vars))}`;
    } catch {
      return undefined;
    }
  };
  const parts = (ns: ASTNode[]) => ns.filter((n) => !isLiteral(n)).map(value).filter((s): s is string => s !== undefined);
  switch (node.op) {
    case '&&': {
      for (const side of node.args) {
        try {
          if (compileNode(env(), side).evaluate(vars) === false) return explain(side, vars, depth + 1);
        } catch {
          return parts([side]);
        }
      }
      return [];
    }
    case '!_':
      return parts([node.args]);
    case 'rcall':
      return parts([node.args[1], ...node.args[2]]);
    case 'call':
      return parts(node.args[1]);
    default:
      return COMPARISONS.has(node.op) ? parts(node.args as ASTNode[]) : [];
  }
}

/** A value as the user should see it: JSON-ish, clipped. */
export function show(v: unknown): string {
  const text = JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return Number(x);
    if (x instanceof Map) return Object.fromEntries(x);
    if (x instanceof Uint8Array) return `b'${Buffer.from(x).toString('base64')}'`;
    if (x instanceof Set) return [...x];
    return x;
  });
  return clip(text ?? String(v), 120);
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 3)}...` : s);
