// The part of attributes that needs the CEL engine, loaded on first use (loadAttributeEngine):
// a layout without attribute rules, and every other command, never pays for loading it.
export { type CompiledItemRules, type ItemAttributeOutcome, compileItemRules, evaluateAttributeRules, show } from './evaluate.js';
export { type AttributeProblem, checkAttributeRules } from './check.js';
export { LIMITS } from './cel.js';
