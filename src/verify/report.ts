import type { ErrorCode } from '../errors.js';
import type { ArtifactMap } from '../intoto/index.js';
import type { EvidenceOrigin } from '../evidence/index.js';

// What verification returns: every check it made, in the order in-toto makes them, each with a
// verdict and a one-line message, plus the first failure. The engine never prints; the CLI
// renders this as text (one line per step and inspection) or as JSON.

/** The verdict of one check. `warn` never fails verification; `skip` was not reached. */
export type Verdict = 'pass' | 'fail' | 'warn' | 'skip';

/** One evidence candidate for a step, and what became of it. */
export interface EvidenceNote {
  /** Where it came from, as one line (describeOrigin). */
  readonly origin: string;
  /** Where it came from, as data (e.g. the digest of a referrer). */
  readonly source: EvidenceOrigin;
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

// A check is a tagged union on `check` (what it is about, in in-toto's order of verification)
// whose fields are the ones that kind has, crossed with its outcome: a failed check carries the
// ErrorCode that says why (the code a caller would see had verification thrown), a passed one
// none. The JSON report (docs/verify-report.schema.json) is these objects as they are.

/** A check about the layout as a whole. */
interface LayoutWide { readonly item?: undefined }
/** A check about one step or inspection (`item` is its name). */
interface AboutItem { readonly item: string }

/** Every given layout key signed (or a trust root's threshold of them). */
export interface LayoutSignaturesCheck extends LayoutWide { readonly check: 'layout-signatures'; readonly signers: readonly string[]; readonly threshold?: number }
/** The layout has not expired. */
export interface LayoutExpiryCheck extends LayoutWide { readonly check: 'layout-expiry' }
/** Parameters were substituted. */
export interface ParametersCheck extends LayoutWide { readonly check: 'parameters' }
/** A step's candidates, and whether enough authorised functionaries signed. */
export interface StepEvidenceCheck extends AboutItem {
  readonly check: 'step-evidence';
  readonly threshold: number;
  readonly signers: readonly string[];
  readonly evidence: readonly EvidenceNote[];
}
/** A sublayout signed for a step, verified on its own (its report, once it ran). */
export interface SublayoutCheck extends AboutItem { readonly check: 'sublayout'; readonly sublayout?: VerificationReport }
/** A link ran another command than the layout expects (a warning only, as in in-toto). */
export interface CommandAlignmentCheck extends AboutItem { readonly check: 'command-alignment'; readonly command: readonly string[] }
/** All counted links of a step record the same artifacts. */
export interface StepAgreementCheck extends AboutItem { readonly check: 'step-agreement' }
/** The layout binds the image being verified (an unbound one is refused by a throw, not a check). */
export interface ImageBindingCheck extends LayoutWide { readonly check: 'image-binding' }
/** One queue's artifact rules of a step or inspection; the failing rule and the artifacts it refused. */
export interface RulesCheck extends AboutItem {
  readonly check: 'step-rules' | 'inspection-rules';
  readonly queue: 'materials' | 'products';
  readonly rules: readonly RuleNote[];
  readonly rule?: string;
  readonly artifacts?: readonly string[];
}
/** The attribute rules (ITE-11) of a step or inspection; the failing rule. */
export interface AttributesCheck extends AboutItem { readonly check: 'step-attributes' | 'inspection-attributes'; readonly rule?: string }
/** An inspection ran; its command and return value. */
export interface InspectionRunCheck extends AboutItem { readonly check: 'inspection-run'; readonly command: readonly string[]; readonly returnValue?: number }

/** What a check is about, whatever its outcome. */
export type CheckSubject =
  | LayoutSignaturesCheck
  | LayoutExpiryCheck
  | ParametersCheck
  | StepEvidenceCheck
  | SublayoutCheck
  | CommandAlignmentCheck
  | StepAgreementCheck
  | ImageBindingCheck
  | RulesCheck
  | AttributesCheck
  | InspectionRunCheck;

/** What a check is about, in in-toto's order of verification. */
export type CheckKind = CheckSubject['check'];

/** How a check ended: a failure says why with an ErrorCode. */
export type CheckOutcome =
  | { readonly verdict: 'pass' | 'warn' | 'skip'; readonly message: string; readonly code?: undefined }
  | { readonly verdict: 'fail'; readonly message: string; readonly code: ErrorCode };

/** One check and its verdict. */
export type Check = CheckSubject & CheckOutcome;

/** A check that failed (it has a code). */
export type FailedCheck = Check & { readonly verdict: 'fail' };

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
  readonly failure?: FailedCheck;
  /** Present when verification passed. */
  readonly summary?: SummaryLink;
}

/** The first failing check, or undefined. */
export function firstFailure(checks: readonly Check[]): FailedCheck | undefined {
  return checks.find((c): c is FailedCheck => c.verdict === 'fail');
}

/** One line naming what failed: `package: DISALLOW * rejected demo-project.tar.gz`. */
export function failureLine(report: VerificationReport): string | undefined {
  const f = report.failure;
  if (!f) return undefined;
  return f.item ? `${f.item}: ${f.message}` : f.message;
}
