import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';
import { readAttributeRules, type AttributeContext, type AttributeEvidence } from '../../../src/attributes/index.js';
import { loadAttributeEngine } from '../../../src/attributes/index.js';

// Helpers for the attribute-rule tests: the upstream example attestations of
// testdata/attestations as evidence, and one-call evaluation of rules over them.

export const ATTESTATIONS = join(REPO_ROOT, 'testdata', 'attestations');

export function readJson(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ATTESTATIONS, name), 'utf8')) as Record<string, unknown>;
}

/** A Statement (as JSON) as attribute evidence. */
export function statementEvidence(st: Record<string, unknown>, origin = 'statement.json'): AttributeEvidence {
  return {
    kind: 'statement', origin, predicateType: st['predicateType'] as string, subject: (st['subject'] ?? []) as unknown[],
    predicate: st['predicate'] ?? {}, materials: new Map(), products: new Map(),
  };
}

/** A predicate document wrapped in a Statement about one artifact. */
export function wrap(predicateType: string, predicate: unknown): Record<string, unknown> {
  return { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'app', digest: { sha256: 'ab'.repeat(32) } }], predicateType, predicate };
}

export const CTX: AttributeContext = { parameters: {}, now: new Date('2021-08-20T00:00:00Z') };

/** Evaluates rules (layout entries) over evidence: undefined when all hold, else the failure message. */
export async function failureOf(entries: unknown[], evidence: AttributeEvidence[], ctx: AttributeContext = CTX, timeoutMs?: number): Promise<string | undefined> {
  const engine = await loadAttributeEngine();
  const rules = engine.compileItemRules('item', readAttributeRules(entries, 'test'), 'test');
  const [out] = engine.evaluateAttributeRules([{ rules, evidence }], ctx, timeoutMs);
  return out!.failure?.message;
}

/** A deep copy to change. */
export const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
