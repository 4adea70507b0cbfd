import { CairnError } from '../errors.js';
import type { Inspection, Layout, Step } from '../intoto/index.js';
import { loadAttributeEngine, readAttributeRules, type AttributeContext, type AttributeEvidence, type CompiledItemRules, type ItemAttributeOutcome } from '../attributes/index.js';
import type { ArtifactView } from '../rules/index.js';
import { describeOrigin } from '../evidence/index.js';
import type { Check } from './report.js';
import type { StepEvidence } from './steps.js';

// The attribute half of verification (ITE-11): every step's and inspection's
// `expected_attributes` over each piece of evidence that counted for it. ITE-11 evaluates them
// after the artifact rules; Cairn checks the steps' attribute rules right after the steps'
// artifact rules, before any inspection runs (an inspection never runs after a failure), and
// the inspections' after theirs. Rules are parsed when the layout is read, so a rule that does
// not parse refuses the layout before anything else is judged.

/** The layout's attribute rules, parsed; undefined when it has none (the engine is not loaded). */
export interface PreparedAttributes {
  readonly steps: ReadonlyMap<string, CompiledItemRules>;
  readonly inspections: ReadonlyMap<string, CompiledItemRules>;
  evaluate(items: { rules: CompiledItemRules; evidence: AttributeEvidence[] }[], ctx: AttributeContext, timeoutMs?: number): ItemAttributeOutcome[];
}

/** Reads and parses every attribute rule; throws SCHEMA_INVALID for one that is malformed. */
export async function prepareAttributes(layout: Layout, where?: string): Promise<PreparedAttributes | undefined> {
  const at = (s: string) => `${where ? `${where}: ` : ''}${s}`;
  const items = [
    ...layout.steps.map((s, i) => ({ s: s as Step | Inspection, at: at(`steps[${i}].expected_attributes`), step: true })),
    ...layout.inspect.map((s, i) => ({ s: s as Step | Inspection, at: at(`inspect[${i}].expected_attributes`), step: false })),
  ];
  const read = items.map((x) => ({ ...x, rules: readAttributeRules(x.s.expected_attributes, x.at) })).filter((x) => x.rules.length > 0);
  if (read.length === 0) return undefined;
  const engine = await loadAttributeEngine();
  const steps = new Map<string, CompiledItemRules>();
  const inspections = new Map<string, CompiledItemRules>();
  for (const x of read) (x.step ? steps : inspections).set(x.s.name, engine.compileItemRules(x.s.name, x.rules, x.at));
  return { steps, inspections, evaluate: engine.evaluateAttributeRules };
}

/** A counted piece of step evidence as attribute rules see it. */
export function stepAttributeEvidence(e: StepEvidence): AttributeEvidence {
  if (e.kind === 'layout') throw new CairnError('INTERNAL', `${describeOrigin(e.origin)}: a sublayout reached the attribute rules unverified`);
  if (e.kind === 'statement') {
    const st = e.statement;
    return { kind: 'statement', origin: describeOrigin(e.origin), predicateType: st.predicateType, subject: st.subject, predicate: st.predicate ?? {}, materials: e.materials, products: e.products };
  }
  return {
    kind: 'link', origin: describeOrigin(e.origin), name: e.name, command: e.command, materials: e.materials, products: e.products,
    byproducts: e.byproducts, ...(e.environment ? { environment: e.environment } : {}),
  };
}

function checksOf(check: 'step-attributes' | 'inspection-attributes', outcomes: ItemAttributeOutcome[], rules: ReadonlyMap<string, CompiledItemRules>): Check[] {
  return outcomes.map((o) => {
    const n = rules.get(o.item)!.rules.length;
    if (o.failure) return { check, item: o.item, verdict: 'fail', code: 'RULE_VIOLATION', rule: o.failure.rule, message: o.failure.message };
    return { check, item: o.item, verdict: 'pass', message: `attributes: ${n} rule${n === 1 ? '' : 's'} held (${o.evaluated} evaluation${o.evaluated === 1 ? '' : 's'})` };
  });
}

/** Each step's attribute rules over every piece of evidence that counted for it. */
export function stepAttributeChecks(
  prepared: PreparedAttributes | undefined,
  steps: readonly Step[],
  accepted: ReadonlyMap<string, readonly StepEvidence[]>,
  ctx: AttributeContext,
  timeoutMs?: number,
): Check[] {
  if (!prepared || prepared.steps.size === 0) return [];
  const items = steps.flatMap((s) => {
    const rules = prepared.steps.get(s.name);
    return rules ? [{ rules, evidence: accepted.get(s.name)!.map(stepAttributeEvidence) }] : [];
  });
  return checksOf('step-attributes', prepared.evaluate(items, ctx, timeoutMs), prepared.steps);
}

/** Each inspection's attribute rules over what it recorded (a link: name, run, artifacts, return value 0). */
export function inspectionAttributeChecks(
  prepared: PreparedAttributes | undefined,
  inspections: readonly Inspection[],
  recorded: ReadonlyMap<string, ArtifactView>,
  ctx: AttributeContext,
  timeoutMs?: number,
): Check[] {
  if (!prepared || prepared.inspections.size === 0) return [];
  const items = inspections.flatMap((i) => {
    const rules = prepared.inspections.get(i.name);
    const view = recorded.get(i.name);
    if (!rules || !view) return [];
    const evidence: AttributeEvidence = { kind: 'link', origin: `inspection ${i.name}`, name: i.name, command: i.run, materials: view.materials, products: view.products, byproducts: { 'return-value': 0 } };
    return [{ rules, evidence: [evidence] }];
  });
  return checksOf('inspection-attributes', prepared.evaluate(items, ctx, timeoutMs), prepared.inspections);
}
