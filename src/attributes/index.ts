// Attribute rules (ITE-11 expected_attributes): CEL expressions over each counted piece of
// evidence. The CEL engine stays behind this door (cel.ts is its only importer) and is loaded
// only when a layout has attribute rules: loadAttributeEngine().
export { type AttributeRule, MAX_RULE_LENGTH, MAX_RULES_PER_ITEM, readAttributeRule, readAttributeRules } from './rule.js';
export { type AttributeEvidence, type AttributeContext, type Artifacts, type ArtifactDigests, LINK_PREDICATE_V03, attributeVariables } from './variables.js';
export { DEFAULT_ATTRIBUTE_TIMEOUT_MS } from './limits.js';
export type { CompiledItemRules, ItemAttributeOutcome } from './evaluate.js';
export type { AttributeProblem } from './check.js';
export { PREDICATE_SCHEMAS, LINK_SCHEMA, type PredicateSchema } from './schemas.js';

/** The engine-backed half: compiling, evaluating and type-checking rules. */
export type AttributeEngine = typeof import('./engine.js');

/** Loads the CEL engine (once). */
export function loadAttributeEngine(): Promise<AttributeEngine> {
  return import('./engine.js');
}
