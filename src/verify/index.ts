// Layout verification (in-toto final product verification): the engine is pure over an
// EvidenceSource and an InspectionRunner, and returns a structured report.
export {
  type Verdict,
  type CheckKind,
  type Check,
  type CheckSubject,
  type CheckOutcome,
  type FailedCheck,
  type LayoutSignaturesCheck,
  type LayoutExpiryCheck,
  type ParametersCheck,
  type StepEvidenceCheck,
  type SublayoutCheck,
  type CommandAlignmentCheck,
  type StepAgreementCheck,
  type ImageBindingCheck,
  type RulesCheck,
  type AttributesCheck,
  type InspectionRunCheck,
  type EvidenceNote,
  type RuleNote,
  type SummaryLink,
  type VerificationReport,
  firstFailure,
  failureLine,
} from './report.js';
export { type ParsedLayout, parseExpires, formatExpires, parseLayout, layoutKeys } from './layout.js';
export { type LayoutCAs, type CertSigner, loadLayoutCAs, chainsToRoot, meetsConstraint, certSigners, isCertificate } from './certs.js';
export { PARAMETER_NAME_RE, formatParameters, substituteParameters } from './substitute.js';
export { type InspectionRecord, type InspectionRunner, type LocalInspectionOptions, LocalInspectionRunner } from './inspect.js';
export { type VerifyLayoutOptions, verifyLayout } from './verify.js';
export { type RevokedCheck } from './steps.js';
export { serveExamineJobs } from './examine-pool.js';
export {
  IMAGE_INSPECTION_COMMAND,
  IMAGE_MANIFEST_ARTIFACT,
  IMAGE_CONFIG_ARTIFACT,
  IMAGE_INDEX_ARTIFACT,
  isImageInspection,
  isReservedArtifactName,
} from './reserved.js';
