import type { ArtifactMap } from '../intoto/index.js';

// What verification returns: every check it made, in the order in-toto makes them, each with a
// verdict and a one-line message, plus the first failure. The engine never prints; the CLI
// renders this as text (one line per step and inspection) or as JSON.

/** The verdict of one check. `warn` never fails verification; `skip` was not reached. */
export type Verdict = 'pass' | 'fail' | 'warn' | 'skip';

/** What a check is about, in in-toto's order of verification. */
export type CheckKind =
  | 'layout-signatures'
  | 'layout-expiry'
  | 'parameters'
  | 'step-evidence'
  | 'sublayout'
  | 'command-alignment'
  | 'step-agreement'
  | 'image-binding'
  | 'step-rules'
  | 'step-attributes'
  | 'inspection-run'
  | 'inspection-rules'
  | 'inspection-attributes';

/** One evidence candidate for a step, and what became of it. */
export interface EvidenceNote {
  readonly origin: string;
  /** Counted for the step. */
  readonly accepted: boolean;
  /** Keyids (as the layout names them) of the authorised keys that signed it. */
  readonly signers: readonly string[];
  /** Why it was not counted, or what it is (e.g. "sublayout"). */
  readonly note?: string;
}

/** One rule as applied, for the report. */
export interface RuleNote {
  readonly rule: string;
  readonly consumed: number;
}

/** One check and its verdict. Fields beyond the first four depend on the kind. */
export interface Check {
  readonly check: CheckKind;
  readonly verdict: Verdict;
  /** The step or inspection the check is about; absent for layout-wide checks. */
  readonly item?: string;
  readonly message: string;
  readonly threshold?: number;
  readonly signers?: readonly string[];
  readonly evidence?: readonly EvidenceNote[];
  readonly queue?: 'materials' | 'products';
  readonly rules?: readonly RuleNote[];
  readonly rule?: string;
  readonly artifacts?: readonly string[];
  readonly command?: readonly string[];
  readonly returnValue?: number;
  readonly sublayout?: VerificationReport;
}

/** The artifacts a verified layout stands for (in-toto's summary link): used for sublayouts. */
export interface SummaryLink {
  readonly name: string;
  readonly materials: ArtifactMap;
  readonly products: ArtifactMap;
  readonly command: readonly string[];
  readonly byproducts: Readonly<Record<string, unknown>>;
}

/** The result of verifying a layout. */
export interface VerificationReport {
  readonly verdict: 'pass' | 'fail';
  readonly layout: {
    readonly origin: string;
    readonly format: 'legacy' | 'dsse';
    readonly expires: string;
    readonly readme: string;
    readonly steps: readonly string[];
    readonly inspections: readonly string[];
  };
  readonly checks: readonly Check[];
  /** The first failed check, in in-toto's order. */
  readonly failure?: Check;
  /** Present when verification passed. */
  readonly summary?: SummaryLink;
}

/** The first failing check, or undefined. */
export function firstFailure(checks: readonly Check[]): Check | undefined {
  return checks.find((c) => c.verdict === 'fail');
}

/** One line naming what failed: `package: DISALLOW * rejected demo-project.tar.gz`. */
export function failureLine(report: VerificationReport): string | undefined {
  const f = report.failure;
  if (!f) return undefined;
  return f.item ? `${f.item}: ${f.message}` : f.message;
}
