import { Environment, type ASTNode } from '@marcbachmann/cel-js';
import { serialize } from '@marcbachmann/cel-js/serialize';
import { RE2JS } from '@bufbuild/re2';
import { CairnError } from '../errors.js';

// The CEL engine: @marcbachmann/cel-js parses, type-checks and evaluates; this is the only file
// that imports it (and @bufbuild/re2), so a change of engine stays here. Why this engine and
// not @bufbuild/cel (which passes the conformance suite by construction) is in docs/policy.md:
// in short, @bufbuild/cel costs 30-45 ms to load in the bundled CLI and has no type checker,
// and this one loads in ~5 ms, checks types against declared object schemas (`layout check`)
// and passes the applicable conformance cases (test/unit/attributes/conformance.test.ts).
// Two things are changed from the engine's defaults:
// - the parser's structural limits are lowered (LIMITS): a layout is trusted for what it
//   says, not for how much work it asks of a verifier;
// - `matches` uses RE2 (@bufbuild/re2), as the CEL spec says, not JavaScript's backtracking
//   RegExp: RE2 runs in linear time, and its syntax ((?i), [[:digit:]], \z) is what CEL
//   layouts written for cel-go mean. The engine cannot replace a standard function, so a
//   rule that calls `matches` is rewritten to call CAIRN_MATCHES instead (rewriteMatches).
// Spec: https://github.com/google/cel-spec/blob/master/doc/langdef.md

/** Structural limits on a parsed rule. */
export const LIMITS = { maxAstNodes: 1000, maxDepth: 50, maxListElements: 500, maxMapEntries: 500, maxCallArguments: 16 } as const;

/** A JSON-like value or a CEL value the engine returned. */
export type CelValue = unknown;

const CAIRN_MATCHES = 'cairnRE2Matches';

const patterns = new Map<string, RE2JS>();
function re2(pattern: string): RE2JS {
  let re = patterns.get(pattern);
  if (!re) {
    try {
      re = new RE2JS(pattern);
    } catch (err) {
      throw new CairnError('INVALID_ARGUMENT', `invalid RE2 regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`);
    }
    if (patterns.size > 1000) patterns.clear();
    patterns.set(pattern, re);
  }
  return re;
}

/** Checks that a regular expression is valid RE2; throws INVALID_ARGUMENT when it is not. */
export function checkRegex(pattern: string): void {
  re2(pattern);
}

/** A declared variable: its name and CEL type (a type name the engine knows). */
export interface VariableDecl {
  readonly name: string;
  readonly type: string;
}

/** Object types for the checker: type name -> field -> field type. */
export type ObjectTypes = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** A CEL environment: the variables a rule may use and, for checking, object types. */
export function celEnvironment(variables: readonly VariableDecl[], types: ObjectTypes = {}): Environment {
  const env = new Environment({ limits: LIMITS, homogeneousAggregateLiterals: false, enableOptionalTypes: true });
  for (const [name, fields] of Object.entries(types)) env.registerType(name, { fields: { ...fields } });
  for (const v of variables) env.registerVariable(v.name, v.type);
  env.registerFunction(`${CAIRN_MATCHES}(string, string): bool`, (s: string, p: string) => re2(p).test(s));
  return env;
}

/** A rule parsed in an environment, ready to evaluate. */
export interface CompiledRule {
  readonly source: string;
  readonly ast: ASTNode;
  /** Evaluates the rule; throws (an engine error) when the rule cannot be evaluated. */
  evaluate(variables: object): CelValue;
}

/** A parse or evaluation error of the engine as one line (its message has a source excerpt). */
export function celErrorLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.trim();
}

/** Parses a rule in `env`; throws SCHEMA_INVALID with the engine's message. */
export function compileRule(env: Environment, source: string, where: string): CompiledRule {
  let parsed;
  let run;
  try {
    parsed = env.parse(source);
    run = usesMatches(parsed.ast) ? env.parse(rewriteMatches(parsed.ast)) : parsed;
  } catch (err) {
    if (err instanceof CairnError) throw new CairnError(err.code, err.message, { where });
    throw new CairnError('SCHEMA_INVALID', `CEL: ${celErrorLine(err)}`, { where });
  }
  const program = run;
  return { source, ast: parsed.ast, evaluate: (variables) => program(variables as Record<string, unknown>) };
}

/** The children of a node (args hold nodes, lists of nodes, map entries, or plain names). */
export function childrenOf(node: ASTNode): ASTNode[] {
  const out: ASTNode[] = [];
  const visit = (a: unknown): void => {
    if (Array.isArray(a)) a.forEach(visit);
    else if (isNode(a)) out.push(a);
  };
  if (node.op !== 'value') visit(node.args);
  return out;
}

function isNode(a: unknown): a is ASTNode {
  return typeof a === 'object' && a !== null && typeof (a as { op?: unknown }).op === 'string' && 'args' in a;
}

function isMatchesCall(node: ASTNode): boolean {
  return (node.op === 'rcall' && node.args[0] === 'matches' && node.args[2].length === 1)
    || (node.op === 'call' && node.args[0] === 'matches' && node.args[1].length === 2);
}

function usesMatches(node: ASTNode): boolean {
  return isMatchesCall(node) || childrenOf(node).some(usesMatches);
}

type Plain = { op: string; args: unknown };

// The rule's text with every `matches` call made a call of CAIRN_MATCHES. The engine's
// serializer prints any {op, args} tree; doubles are printed here because it rounds them to 9
// decimals, which would change what a rule means.
function rewriteMatches(node: ASTNode): string {
  return serialize(plain(node) as unknown as ASTNode);
}

function plain(node: ASTNode): Plain {
  if (node.op === 'value') {
    const v = node.args;
    if (typeof v !== 'number') return { op: 'value', args: v };
    const text = String(v);
    if (!Number.isFinite(v)) throw new CairnError('SCHEMA_INVALID', `CEL: the number ${text} cannot be written in a rule`);
    return { op: 'id', args: Number.isInteger(v) && !/e/i.test(text) ? `${text}.0` : text };
  }
  if (node.op === 'rcall' && isMatchesCall(node)) return { op: 'call', args: [CAIRN_MATCHES, [plain(node.args[1]), plain(node.args[2][0]!)]] };
  if (node.op === 'call' && isMatchesCall(node)) return { op: 'call', args: [CAIRN_MATCHES, node.args[1].map((n) => plain(n))] };
  const map = (a: unknown): unknown => (Array.isArray(a) ? a.map(map) : isNode(a) ? plain(a) : a);
  return { op: node.op, args: map(node.args) };
}

/**
 * The rule's text with each `has(x.f)` written `(dyn(x.f) != null || true)`, for checking only:
 * the engine's checker accepts any field in has(), and a misspelt field there makes
 * `!has(x.typo) || ...` hold for every piece of evidence.
 */
export function hasFieldsChecked(node: ASTNode): string | undefined {
  let found = false;
  const visit = (n: ASTNode): Plain => {
    if (n.op === 'call' && n.args[0] === 'has' && n.args[1].length === 1 && n.args[1][0]!.op === '.') {
      found = true;
      const field = visit(n.args[1][0]!);
      return { op: '||', args: [{ op: '!=', args: [{ op: 'call', args: ['dyn', [field]] }, { op: 'value', args: null }] }, { op: 'value', args: true }] };
    }
    if (n.op === 'value') return plain(n);
    const map = (a: unknown): unknown => (Array.isArray(a) ? a.map(map) : isNode(a) ? visit(a) : a);
    return { op: n.op, args: map(n.args) };
  };
  const text = serialize(visit(node) as unknown as ASTNode);
  return found ? text : undefined;
}

/** The source text of a node, as the rule writes it (to name the part of a rule that failed). */
export function nodeText(node: ASTNode): string {
  return serialize(node);
}

/** A node as a rule of its own, to evaluate a part of a rule with the same variables. */
export function compileNode(env: Environment, node: ASTNode): CompiledRule {
  const run = env.parse(serialize(plain(node) as unknown as ASTNode));
  return { source: nodeText(node), ast: run.ast, evaluate: (variables) => run(variables as Record<string, unknown>) };
}
