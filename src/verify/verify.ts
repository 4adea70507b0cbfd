import { CairnError, isCairnError } from '../errors.js';
import { keyVerifier, type PublicKey } from '../crypto/index.js';
import { verifyDocument, type SignedDocument, type Step } from '../intoto/index.js';
import { artifactMapOf, indexArtifacts, sameDigests, type ArtifactIndex, type ArtifactView } from '../rules/index.js';
import { describeOrigin, type EvidenceSource } from '../evidence/index.js';
import type { InspectionRunner } from './inspect.js';
import { formatExpires, parseLayout } from './layout.js';
import { failureLine, firstFailure, type Check, type SummaryLink, type VerificationReport } from './report.js';
import { isIntotoPayloadType } from './payload.js';
import { itemRules, runInspections } from './rules-phase.js';
import { gatherStepEvidence, type RevokedCheck, type StepEvidence } from './steps.js';
import { ExaminePool } from './examine-pool.js';
import { imageBindingCheck, type ImageBindingOptions } from './binding.js';
import { substituteParameters } from './substitute.js';
import { inspectionAttributeChecks, prepareAttributes, stepAttributeChecks } from './attributes-phase.js';

// verifyLayout: in-toto's final product verification, in in-toto's order: layout signatures
// (every given key must have signed), expiry, parameter substitution, each step's evidence and
// threshold, sublayouts (recursively, each replaced by its summary link), command alignment
// (warnings only), agreement of all counted links of a step, step rules, inspections, and
// inspection rules. Each phase checks every item so that the report is complete, and the next
// phase runs only if nothing failed; inspections never run after a failure.
// Source: in-toto 1.3.1 verifylib.in_toto_verify; in-toto-golang verifylib.go InTotoVerify.
// Spec: https://github.com/in-toto/docs/blob/master/in-toto-spec.md#5-final-product-verification

/** What verification needs: the signed layout, its keys, the evidence, and how to run inspections. */
export interface VerifyLayoutOptions {
  /** The signed layout (Metablock or DSSE). */
  layout: SignedDocument;
  /** Keys that must each have signed the layout (at least one); see layoutThreshold. */
  layoutKeys: readonly PublicKey[];
  /**
   * How many distinct layoutKeys must have signed (a trust root's threshold). Default: all of
   * them, as in-toto-verify requires of its --layout-keys.
   */
  layoutThreshold?: number;
  /** Keys whose signatures never count (revoked by a trust root), even if the layout lists them. */
  revoked?: RevokedCheck;
  /** Where step evidence comes from. */
  evidence: EvidenceSource;
  /** Values for `{name}` placeholders; when absent, no substitution is done (as in-toto). */
  parameters?: Readonly<Record<string, string>>;
  /** Runs inspections; a layout with inspections fails without one. */
  inspections?: InspectionRunner;
  /** The time expiry is judged at (default: now). */
  now?: Date;
  /** How the layout is named in the report (a file path). */
  origin?: string;
  /**
   * The image being verified: the layout must bind it (binding.ts), checked once the counted
   * evidence is known and before any rule or inspection runs; an unbound layout is refused
   * (CairnError, exit 2). Absent in local mode, where no image is claimed.
   */
  bindImage?: ImageBindingOptions;
  /** The image being verified, which attribute rules see as `image` (set by verifyImage). */
  image?: { readonly digest: string; readonly platform?: string; readonly index?: string };
  /** Time limit for all attribute rules of one phase (default 5 s). */
  attributeTimeoutMs?: number;
}

const MAX_SUBLAYOUT_DEPTH = 16;

const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

/** Verifies a layout and its evidence; returns a report and never throws for a failed check. */
export async function verifyLayout(options: VerifyLayoutOptions): Promise<VerificationReport> {
  const pool = new ExaminePool();
  try {
    return await verifyAt(options, 0, '', pool);
  } finally {
    pool.close();
  }
}

function sameArtifacts(a: ArtifactIndex, b: ArtifactIndex): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [k, d] of a) {
    const e = b.get(k);
    if (e === undefined || !sameDigests(d, e)) return false;
  }
  return true;
}

async function verifyAt(o: VerifyLayoutOptions, depth: number, name: string, pool: ExaminePool): Promise<VerificationReport> {
  const origin = o.origin ?? 'layout';
  if (o.layoutKeys.length === 0) throw new CairnError('INVALID_ARGUMENT', 'give at least one layout key', { where: origin });
  const now = o.now ?? new Date();
  const verified = verifyDocument(o.layout, o.layoutKeys.map(keyVerifier), origin);
  if (verified.payloadType !== undefined && !isIntotoPayloadType(verified.payloadType)) {
    throw new CairnError('SCHEMA_INVALID', `payloadType ${JSON.stringify(verified.payloadType)} is not an in-toto type`, { where: origin });
  }
  const parsed = parseLayout(verified.body, origin);
  const attributes = await prepareAttributes(parsed.layout, origin);
  const attributeContext = { parameters: o.parameters ?? {}, now, ...(o.image ? { image: o.image } : {}) };
  let layout = parsed.layout;
  const checks: Check[] = [];
  const finish = (summary?: SummaryLink): VerificationReport => {
    const failure = firstFailure(checks);
    const header = {
      origin, format: o.layout.format, expires: layout.expires, readme: layout.readme,
      steps: layout.steps.map((s) => s.name), inspections: layout.inspect.map((i) => i.name),
    };
    return failure ? { verdict: 'fail', layout: header, checks, failure } : { verdict: 'pass', layout: header, checks, ...(summary ? { summary } : {}) };
  };
  const failed = () => checks.some((c) => c.verdict === 'fail');

  checks.push(layoutSignatureCheck(o, verified.signers));
  if (failed()) return finish();
  checks.push(parsed.expires < now
    ? { check: 'layout-expiry', verdict: 'fail', code: 'LAYOUT_EXPIRED', message: `the layout expired at ${layout.expires}` }
    : { check: 'layout-expiry', verdict: 'pass', message: `expires ${layout.expires} (checked at ${formatExpires(now)})` });
  if (failed()) return finish();
  if (o.parameters) {
    layout = substituteParameters(layout, o.parameters);
    checks.push({ check: 'parameters', verdict: 'pass', message: `substituted ${Object.keys(o.parameters).length} parameter(s)` });
  }

  // Every step's files are found first, then examined together (big ones on worker threads).
  o.evidence.expect?.(layout.steps);
  const gathered = [];
  for (const step of layout.steps) gathered.push(await gatherStepEvidence(step, parsed.keys, parsed.cas, o.evidence, now, o.revoked, pool));
  const accepted = new Map<string, StepEvidence[]>();
  for (const [i, step] of layout.steps.entries()) {
    const r = await gathered[i]!.outcome;
    checks.push(r.check);
    accepted.set(step.name, r.accepted);
  }
  if (failed()) return finish();

  for (const step of layout.steps) {
    const list = accepted.get(step.name)!;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (e.kind === 'layout') list[i] = await sublayout({ ...o, now }, step, e, depth, checks, pool);
    }
  }
  if (failed()) return finish();

  for (const step of layout.steps) {
    const list = accepted.get(step.name)!;
    for (const e of list) {
      if (e.command.length === step.expected_command.length && e.command.every((c, i) => c === step.expected_command[i])) continue;
      const show = (c: readonly string[]) => (c.length === 0 ? 'no command' : JSON.stringify(clip(c.join(' '))));
      checks.push({ check: 'command-alignment', verdict: 'warn', item: step.name, command: e.command, message: `${describeOrigin(e.origin)} ran ${show(e.command)}, the layout expects ${show(step.expected_command)}` });
    }
    const ref = list[0]!;
    const other = list.find((e) => e !== ref && (!sameArtifacts(e.materials, ref.materials) || !sameArtifacts(e.products, ref.products)));
    if (other) {
      const what = sameArtifacts(other.materials, ref.materials) ? 'products' : 'materials';
      checks.push({ check: 'step-agreement', verdict: 'fail', code: 'VERIFICATION_FAILED', item: step.name, message: `${describeOrigin(ref.origin)} and ${describeOrigin(other.origin)} record different ${what}` });
    } else if (list.length > 1) {
      checks.push({ check: 'step-agreement', verdict: 'pass', item: step.name, message: `${list.length} links agree on materials and products` });
    }
  }
  if (failed()) return finish();

  if (o.bindImage && depth === 0) checks.push(imageBindingCheck(layout, accepted, o.bindImage, origin));

  const links = new Map<string, ArtifactView>();
  for (const step of layout.steps) {
    const e = accepted.get(step.name)![0]!;
    links.set(step.name, { materials: e.materials, products: e.products });
  }
  checks.push(...itemRules('step-rules', layout.steps, links));
  if (failed()) return finish();
  checks.push(...stepAttributeChecks(attributes, layout.steps, accepted, attributeContext, o.attributeTimeoutMs));
  if (failed()) return finish();

  const ran = await runInspections(layout.inspect, o.inspections);
  checks.push(...ran.checks);
  if (failed()) return finish();
  const all = new Map([...links, ...ran.links]);
  checks.push(...itemRules('inspection-rules', layout.inspect, all));
  if (failed()) return finish();
  checks.push(...inspectionAttributeChecks(attributes, layout.inspect, ran.links, attributeContext, o.attributeTimeoutMs));
  if (failed()) return finish();

  const first = layout.steps[0] ? accepted.get(layout.steps[0].name)![0]! : undefined;
  const last = layout.steps.length > 0 ? accepted.get(layout.steps[layout.steps.length - 1]!.name)![0]! : undefined;
  return finish({
    name,
    materials: artifactMapOf(first?.materials ?? new Map()),
    products: artifactMapOf(last?.products ?? new Map()),
    command: last?.command ?? [],
    byproducts: last?.byproducts ?? {},
  });
}

// Every given layout key must have signed (in-toto), or a threshold of them (a trust root).
// Keys are counted by key, not by keyid: a trust root listing one key under both of its keyids
// has one owner there, not two.
function layoutSignatureCheck(o: VerifyLayoutOptions, signers: readonly PublicKey[]): Check {
  const signed = new Set(signers.map((k) => k.fingerprint));
  const distinct = o.layoutKeys.filter((k, i, all) => all.findIndex((x) => x.fingerprint === k.fingerprint) === i);
  const ok = distinct.filter((k) => signed.has(k.fingerprint));
  const missing = distinct.filter((k) => !signed.has(k.fingerprint));
  const short = (keys: readonly PublicKey[]) => keys.map((k) => k.keyId.slice(0, 8)).join(', ');
  if (o.layoutThreshold === undefined) {
    return missing.length > 0
      ? { check: 'layout-signatures', verdict: 'fail', code: 'SIGNATURE_INVALID', signers: signers.map((k) => k.keyId), message: `no valid signature by layout key ${short(missing)}` }
      : { check: 'layout-signatures', verdict: 'pass', signers: distinct.map((k) => k.keyId), message: `signed by ${short(distinct)}` };
  }
  return ok.length < o.layoutThreshold
    ? { check: 'layout-signatures', verdict: 'fail', code: 'THRESHOLD_NOT_MET', threshold: o.layoutThreshold, signers: ok.map((k) => k.keyId), message: `signed by ${ok.length} of the trusted owner keys${ok.length ? ` (${short(ok)})` : ''}, needs ${o.layoutThreshold}` }
    : { check: 'layout-signatures', verdict: 'pass', threshold: o.layoutThreshold, signers: ok.map((k) => k.keyId), message: `signed by ${short(ok)} (${ok.length} of ${distinct.length} owner keys, threshold ${o.layoutThreshold})` };
}

// A sublayout signed by a functionary of `step`: verified with that functionary's key against
// the links in its own directory, and replaced by its summary link (in-toto verify_sublayouts).
async function sublayout(o: VerifyLayoutOptions, step: Step, e: StepEvidence & { kind: 'layout' }, depth: number, checks: Check[], pool: ExaminePool): Promise<StepEvidence> {
  const base = { check: 'sublayout' as const, item: step.name };
  const origin = describeOrigin(e.origin);
  if (depth + 1 > MAX_SUBLAYOUT_DEPTH) {
    checks.push({ ...base, verdict: 'fail', code: 'VERIFICATION_FAILED', message: `${origin}: sublayouts nested deeper than ${MAX_SUBLAYOUT_DEPTH}` });
    return e;
  }
  const source = o.evidence.forSublayout(step, e.functionary);
  let sub: VerificationReport;
  try {
    sub = await verifyAt({ ...o, layout: e.document, layoutKeys: [e.functionary.key], layoutThreshold: undefined, evidence: source, parameters: undefined, origin }, depth + 1, step.name, pool);
  } catch (err) {
    if (!isCairnError(err) || err.code === 'IO_ERROR') throw err;
    checks.push({ ...base, verdict: 'fail', code: err.code, message: `${origin}: ${err.message}` });
    return e;
  }
  if (sub.verdict === 'fail' || !sub.summary) {
    checks.push({ ...base, verdict: 'fail', code: sub.failure?.code ?? 'VERIFICATION_FAILED', sublayout: sub, message: `sublayout ${origin} failed: ${failureLine(sub)}` });
    return e;
  }
  checks.push({ ...base, verdict: 'pass', sublayout: sub, message: `sublayout ${origin} passed (evidence from ${source.description})` });
  const s = sub.summary;
  const { origin: from, signers, functionary, rank } = e;
  return { origin: from, signers, functionary, rank, kind: 'link', name: s.name, materials: indexArtifacts(s.materials), products: indexArtifacts(s.products), command: s.command, byproducts: s.byproducts };
}
