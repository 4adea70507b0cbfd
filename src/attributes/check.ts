import type { Environment, ASTNode } from '@marcbachmann/cel-js';
import { CairnError } from '../errors.js';
import { celEnvironment, celErrorLine, checkRegex, childrenOf, hasFieldsChecked, type VariableDecl } from './cel.js';
import { readAttributeRule } from './rule.js';
import { LINK_SCHEMA, PREDICATE_SCHEMAS, type PredicateSchema } from './schemas.js';
import { LINK_PREDICATE_V03 } from './variables.js';

// `cairn layout check` for attribute rules: each rule must parse, use only the variables the
// evidence will have, name only fields the predicate's schema has (where Cairn knows the
// schema), give a bool, and pass RE2 patterns that compile. A step without
// expected_predicate_type counts only links, so its rules are checked against the link
// predicate and the link variables; an inspection's evidence is what it recorded, a link too.

/** One problem with one rule: the index in the list and what is wrong. */
export interface AttributeProblem {
  readonly index: number;
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

const envs = new Map<string, Environment>();

function checkEnv(predicateType: string | undefined): { env: Environment; known: boolean } {
  const type = predicateType ?? LINK_PREDICATE_V03;
  const known: PredicateSchema | undefined = predicateType === undefined ? LINK_SCHEMA : PREDICATE_SCHEMAS[type];
  const isLink = type === LINK_PREDICATE_V03;
  let env = envs.get(type);
  if (!env) {
    const vars: VariableDecl[] = [
      { name: 'predicateType', type: 'string' },
      { name: 'subject', type: 'list<ResourceDescriptor>' },
      { name: 'predicate', type: known ? known.root : 'map<string, dyn>' },
      { name: 'materials', type: 'map<string, map<string, string>>' },
      { name: 'products', type: 'map<string, map<string, string>>' },
      { name: 'image', type: 'map<string, string>' },
      { name: 'parameters', type: 'map<string, string>' },
      { name: 'now', type: 'google.protobuf.Timestamp' },
    ];
    if (isLink) {
      vars.push({ name: 'name', type: 'string' }, { name: 'command', type: 'list<string>' }, { name: 'byproducts', type: 'map<string, dyn>' }, { name: 'environment', type: 'map<string, dyn>' });
    }
    const types = known ? known.types : { ResourceDescriptor: PREDICATE_SCHEMAS[LINK_PREDICATE_V03]!.types['ResourceDescriptor']! };
    env = celEnvironment(vars, types);
    envs.set(type, env);
  }
  return { env, known: known !== undefined };
}

// String-literal patterns of `matches` calls (dynamic ones are checked when evaluated).
function literalPatterns(node: ASTNode, out: string[] = []): string[] {
  if (node.op === 'rcall' && node.args[0] === 'matches' && node.args[2][0]?.op === 'value' && typeof node.args[2][0].args === 'string') out.push(node.args[2][0].args);
  if (node.op === 'call' && node.args[0] === 'matches' && node.args[1][1]?.op === 'value' && typeof node.args[1][1].args === 'string') out.push(node.args[1][1].args);
  for (const c of childrenOf(node)) literalPatterns(c, out);
  return out;
}

/** Every problem with an item's `expected_attributes`, for the predicate type its evidence has. */
export function checkAttributeRules(list: unknown, predicateType: string | undefined): AttributeProblem[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) return [{ index: -1, severity: 'error', message: 'expected_attributes must be a list' }];
  const problems: AttributeProblem[] = [];
  const { env, known } = checkEnv(predicateType);
  list.forEach((entry, index) => {
    const error = (message: string) => problems.push({ index, severity: 'error', message });
    let rule;
    try {
      rule = readAttributeRule(entry, '');
    } catch (err) {
      error((err as Error).message.replace(/^: /, ''));
      return;
    }
    let parsed;
    try {
      parsed = env.parse(rule.rule);
    } catch (err) {
      error(`CEL: ${celErrorLine(err)}`);
      return;
    }
    const result = parsed.check();
    if (!result.valid) error(`CEL: ${celErrorLine(result.error)}`);
    else if (result.type !== 'bool' && result.type !== 'dyn') error(`the rule gives a ${result.type}, not a bool`);
    else {
      const withHas = hasFieldsChecked(parsed.ast);
      const again = withHas === undefined ? undefined : env.parse(withHas).check();
      if (again && !again.valid) error(`CEL: in has(): ${celErrorLine(again.error)}`);
    }
    for (const p of literalPatterns(parsed.ast)) {
      try {
        checkRegex(p);
      } catch (err) {
        error(err instanceof CairnError ? err.message : String(err));
      }
    }
  });
  if (!known && list.length > 0) problems.push({ index: -1, severity: 'warning', message: `no schema is known for predicate ${predicateType}: field names are not checked` });
  return problems;
}
