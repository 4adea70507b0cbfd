import { isCairnError, type ErrorCode } from '../errors.js';
import type { Inspection, Step } from '../intoto/index.js';
import { applyRules, indexArtifacts, parseRules, type ArtifactView, type QueueType, type RulesOutcome } from '../rules/index.js';
import type { InspectionRunner } from './inspect.js';
import type { Check } from './report.js';

// The artifact half of verification: every step's rules over the one link that stands for
// it, then the inspections (run in order, stopping at the first that fails), then the
// inspections' rules, which may MATCH against steps and inspections alike.
// Source: in-toto 1.3.1 verifylib.verify_all_item_rules, run_all_inspections.

function rulesCheck(check: 'step-rules' | 'inspection-rules', item: string, queue: QueueType, o: RulesOutcome): Check {
  const rules = o.applied.map((a) => ({ rule: a.rule, consumed: a.consumed.length }));
  const base = { check, item, queue, rules };
  if (o.failure) {
    const f = o.failure;
    return { ...base, verdict: 'fail', code: 'RULE_VIOLATION', rule: f.rule, artifacts: f.artifacts, message: `${f.message} (${queue})` };
  }
  const n = o.applied.length;
  return { ...base, verdict: 'pass', message: `${queue}: ${n} rule${n === 1 ? '' : 's'} passed over ${o.queueSize} artifact${o.queueSize === 1 ? '' : 's'}` };
}

/** Applies the material and product rules of each item; one check per item and queue. */
export function itemRules(
  check: 'step-rules' | 'inspection-rules',
  items: readonly (Step | Inspection)[],
  links: ReadonlyMap<string, ArtifactView>,
): Check[] {
  const checks: Check[] = [];
  for (const item of items) {
    const view = links.get(item.name)!;
    for (const queue of ['materials', 'products'] as const) {
      const list = queue === 'materials' ? item.expected_materials : item.expected_products;
      const rules = parseRules(list, `${item.name}.expected_${queue}`);
      checks.push(rulesCheck(check, item.name, queue, applyRules(rules, queue, view, links)));
    }
  }
  return checks;
}

const INSPECTION_VERDICTS = ['COMMAND_FAILED', 'UNSAFE_PATH', 'ARCHIVE_INVALID', 'DIGEST_MISMATCH', 'TOO_LARGE', 'UNSUPPORTED', 'SCHEMA_INVALID'] as const;

/** Runs the inspections in order; stops at the first that cannot run or exits non-zero. */
export async function runInspections(
  inspections: readonly Inspection[],
  runner: InspectionRunner | undefined,
): Promise<{ checks: Check[]; links: Map<string, ArtifactView> }> {
  const checks: Check[] = [];
  const links = new Map<string, ArtifactView>();
  for (const insp of inspections) {
    const base = { check: 'inspection-run' as const, item: insp.name, command: insp.run };
    const fail = (code: ErrorCode, message: string, returnValue?: number) => {
      checks.push({ ...base, verdict: 'fail', code, message, ...(returnValue === undefined ? {} : { returnValue }) });
      return { checks, links };
    };
    if (insp.run.length === 0) return fail('SCHEMA_INVALID', 'the inspection has no command to run');
    if (!runner) return fail('UNSUPPORTED', 'inspections cannot run here (no inspection runner was given)');
    let record;
    try {
      record = await runner.run(insp);
    } catch (err) {
      // What the inspection found wrong with its input is a failed check; trouble reaching
      // a registry or the disk (exit 3) and usage errors (exit 2) are not verdicts.
      if (isCairnError(err, ...INSPECTION_VERDICTS)) return fail(err.code, err.message);
      throw err;
    }
    const shown = JSON.stringify(insp.run.join(' '));
    if (record.returnValue !== 0) {
      const tail = record.stderr.trim().split('\n').pop();
      return fail('COMMAND_FAILED', `command ${shown} exited with ${record.returnValue}${tail ? `: ${tail.slice(0, 200)}` : ''}`, record.returnValue);
    }
    links.set(insp.name, { materials: indexArtifacts(record.materials), products: indexArtifacts(record.products) });
    const n = Object.keys(record.products).length;
    checks.push({ ...base, verdict: 'pass', returnValue: 0, message: `ran ${shown} (${n} artifact${n === 1 ? '' : 's'} recorded)` });
  }
  return { checks, links };
}
