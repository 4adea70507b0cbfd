// Artifact rules: parsing (in-toto rulelib), Python fnmatch globbing, and the queue engine of
// in-toto's verifylib. Pure functions over artifact maps; no I/O.
export { type GlobMatcher, compileGlob, globFilter } from './glob.js';
export { type Rule, type SimpleRuleKind, RULE_KEYWORDS, ruleText, parseRule, parseRules } from './rule.js';
export {
  type DigestSet,
  type Digests,
  type ArtifactIndex,
  type ArtifactView,
  type QueueType,
  type AppliedRule,
  type RuleFailure,
  type RulesOutcome,
  indexArtifacts,
  compactDigests,
  expandDigests,
  artifactMapOf,
  sameDigests,
  applyRules,
} from './engine.js';
