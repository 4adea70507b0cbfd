import { loadAttributeEngine } from '../attributes/index.js';
import type { LayoutProblem } from './check.js';

// The attribute half of `cairn layout check`: ITE-11 rules type-checked against the predicate
// schema of the evidence they will see, before any evidence exists (verification's half, which
// evaluates them, is attributes-phase.ts).

/**
 * Type-checks every attribute rule of a layout body against the schema of the predicate its
 * evidence has (`layout check`, `layout sign`); loads the CEL engine only if there are rules.
 */
export async function checkLayoutAttributes(body: unknown): Promise<LayoutProblem[]> {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(body)) return [];
  const items = [
    ...(Array.isArray(body['steps']) ? body['steps'] : []).map((s, i) => ({ s, at: `steps[${i}]` })),
    ...(Array.isArray(body['inspect']) ? body['inspect'] : []).map((s, i) => ({ s, at: `inspect[${i}]`, inspection: true })),
  ].filter((x): x is { s: Record<string, unknown>; at: string; inspection?: boolean } => isObj(x.s) && x.s['expected_attributes'] !== undefined);
  if (items.length === 0) return [];
  const engine = await loadAttributeEngine();
  const out: LayoutProblem[] = [];
  for (const { s, at, inspection } of items) {
    const type = !inspection && typeof s['expected_predicate_type'] === 'string' ? s['expected_predicate_type'] : undefined;
    for (const p of engine.checkAttributeRules(s['expected_attributes'], type)) {
      out.push({ severity: p.severity, path: p.index < 0 ? `${at}.expected_attributes` : `${at}.expected_attributes[${p.index}]`, message: p.message });
    }
  }
  return out;
}
