import type { VerificationReport } from '../api/verify.js';

type Check = VerificationReport['checks'][number];

// Text rendering of a verification report: one line for the layout, one per step and
// inspection (its worst verdict, and what decided it), warnings on lines of their own, a
// sublayout's lines indented under its step, and a final verdict line.

/**
 * The version of `cairn verify --output json`'s shape, published as a JSON Schema in
 * docs/verify-report.schema.json. Fields may be added within a version; it changes when a
 * field is removed or changes meaning.
 */
export const VERIFY_JSON_SCHEMA_VERSION = 1;

const LABEL = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' } as const;

function line(verdict: keyof typeof LABEL, what: string, message: string, indent: string): string {
  return `${indent}${LABEL[verdict]}  ${what}: ${message}`;
}

function itemLine(kind: 'step' | 'inspection', name: string, checks: Check[], indent: string): string[] {
  const mine = checks.filter((c) => c.item === name && c.verdict !== 'warn');
  const failed = mine.find((c) => c.verdict === 'fail');
  if (mine.length === 0) return [line('skip', `${kind} ${name}`, 'not reached (verification stopped earlier)', indent)];
  const out: string[] = [];
  if (failed) {
    out.push(line('fail', `${kind} ${name}`, failed.message, indent));
  } else {
    const parts = mine.filter((c) => c.check !== 'step-rules' && c.check !== 'inspection-rules').map((c) => c.message);
    const rules = mine.filter((c): c is Extract<Check, { check: 'step-rules' | 'inspection-rules' }> => c.check === 'step-rules' || c.check === 'inspection-rules');
    if (rules.length > 0) parts.push(`rules: ${rules.map((c) => `${c.queue} ${c.rules.length}`).join(', ')}`);
    else if (kind === 'step' || mine.some((c) => c.check === 'inspection-run')) parts.push('rules not reached');
    out.push(line('pass', `${kind} ${name}`, parts.join('; '), indent));
  }
  for (const c of checks) if (c.item === name && c.verdict === 'warn') out.push(line('warn', `${kind} ${name}`, c.message, indent));
  for (const c of checks) if (c.item === name && c.check === 'sublayout' && c.sublayout) out.push(...reportLines(c.sublayout, `${indent}    `));
  return out;
}

/** The report as lines of text (without the final verdict line when nested). */
export function reportLines(report: VerificationReport, indent = ''): string[] {
  const layoutChecks = report.checks.filter((c) => c.item === undefined && c.verdict !== 'warn');
  const lf = layoutChecks.find((c) => c.verdict === 'fail');
  const lines = [line(lf ? 'fail' : 'pass', `layout ${report.layout.origin}`, lf ? lf.message : layoutChecks.map((c) => c.message).join('; '), indent)];
  for (const c of report.checks) if (c.item === undefined && c.verdict === 'warn') lines.push(line('warn', `layout ${report.layout.origin}`, c.message, indent));
  for (const s of report.layout.steps) lines.push(...itemLine('step', s, [...report.checks], indent));
  for (const i of report.layout.inspections) lines.push(...itemLine('inspection', i, [...report.checks], indent));
  return lines;
}

/** The last line: the verdict and, for a failure, what failed where. */
export function verdictLine(report: VerificationReport): string {
  const f = report.failure;
  if (!f) return 'PASS: the software product passed all verification';
  return `FAIL: ${f.item ? `${f.item}: ` : ''}${f.message}`;
}
