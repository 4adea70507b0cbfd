import { CairnError, isCairnError } from '../errors.js';
import type { PublicKey } from '../crypto/index.js';
import { isLinkPredicate, type SignedDocument, type Statement, type Step } from '../intoto/index.js';
import type { ArtifactView } from '../rules/index.js';
import { certSigners, type LayoutCAs } from './certs.js';
import { identitySigners } from './identities.js';
import { isIntotoPayloadType, statementIndex } from './payload.js';
import { describeOrigin, type AuthorisedKey, type EvidenceOrigin, type EvidenceSource } from '../evidence/index.js';
import { examineItem, type Examined } from './examine.js';
import type { ExaminePool } from './examine-pool.js';
import type { Check, EvidenceNote } from './report.js';

// Step evidence: which candidates count for a step. A candidate counts when a key the layout
// authorises for the step (or an ITE-7 certificate meeting the step's constraints) signed it,
// and it speaks about this step: a link whose `name` is the step, a Statement of the step's
// expected_predicate_type, or a sublayout. The signer is whoever the signature verifies
// against (a keyid only says which signature to check, intoto/metablock.ts), and a link file
// counts only for the functionary its name names (in-toto 1.3.1 verifies `<step>.<id8>.link`
// with the key of id8 alone). The threshold counts distinct keys (by SPKI fingerprint), and each
// document counts for one of them at most: a link signed by two functionaries is one link, as
// in-toto counts files, so the count is a largest matching of documents to their signers.
// Source: in-toto 1.3.1 verifylib.load_links_for_layout, verify_link_signature_thresholds;
// in-toto-golang VerifyLinkSignatureThesholds (certificates).

/**
 * What every counted piece of evidence has: who signed it, and the artifacts the rule engine
 * sees for it (it is an ArtifactView, so a step's first piece stands for the step in the rules).
 */
interface Counted extends ArtifactView {
  readonly origin: EvidenceOrigin;
  /** Keyids (as the layout names them, or `cert:<fingerprint>`) of the keys that signed it. */
  readonly signers: readonly string[];
  /** The first signer, to which a sublayout's verification is bound. */
  readonly functionary: AuthorisedKey;
  /** Position in the step's pubkeys of the first signer (certificates come last): in-toto's link order. */
  readonly rank: number;
  /** The command it records (empty for a Statement and a sublayout, which record none). */
  readonly command: readonly string[];
  readonly byproducts: Readonly<Record<string, unknown>>;
}

/**
 * One counted piece of evidence, by kind: a link (or a Statement of the link predicate, which
 * is the same data), a Statement of the step's expected predicate (its subjects are its
 * products, ITE-10), or a sublayout, which verify.ts verifies and replaces by its summary link.
 * Attribute rules read the kind's own fields (a link's name and environment, a Statement).
 */
export type StepEvidence =
  | (Counted & { readonly kind: 'link'; readonly name: string; readonly environment?: Readonly<Record<string, unknown>> })
  | (Counted & { readonly kind: 'statement'; readonly statement: Statement })
  | (Counted & { readonly kind: 'layout'; readonly document: SignedDocument });

/** The outcome for one step: its check, and the evidence that counted. */
export interface StepOutcome {
  readonly check: Check;
  readonly accepted: StepEvidence[];
}

function authorisedFor(step: Step, keys: ReadonlyMap<string, PublicKey>): AuthorisedKey[] {
  const out: AuthorisedKey[] = [];
  for (const id of step.pubkeys) {
    const key = keys.get(id);
    if (key && !out.some((a) => a.key.fingerprint === key.fingerprint)) out.push({ keyId: id, key });
  }
  return out;
}

// What one candidate is worth for the step: its line in the report, and the evidence when it
// counts (fatal: broken evidence from a place only the user writes to fails the step).
interface Judged {
  note: EvidenceNote;
  evidence?: StepEvidence;
  fatal?: boolean;
}

/** Keys whose signatures no longer count anywhere (a trust root's revocations). */
export type RevokedCheck = (key: PublicKey) => boolean;

// What one candidate is worth for the step.
function judge(item: Examined, step: Step, authorised: AuthorisedKey[], cas: LayoutCAs, now: Date, revoked?: RevokedCheck): Judged {
  const origin = describeOrigin(item.origin);
  const source = item.origin;
  // Evidence from a place anyone can write to is ignored when broken; a local link dir fails.
  const fatal = !item.ignoreIfBroken;
  const unreadable = (message: string, ids: string[] = []): Judged =>
    ({ note: { origin, source, accepted: false, signers: ids, note: `${fatal ? '' : 'ignored, '}unreadable: ${message}` }, fatal });
  if (item.unreadable !== undefined) return unreadable(item.unreadable);
  let signers: AuthorisedKey[] = [];
  for (const fp of item.signers) signers.push(authorised.find((a) => a.key.fingerprint === fp)!);
  const named = item.namedFor;
  const misnamed = named === undefined ? [] : signers.filter((s) => ![...s.key.keyIds].some((id) => id.startsWith(named)));
  if (misnamed.length > 0) signers = signers.filter((s) => !misnamed.includes(s));
  if (certsApply(step, cas)) {
    if (!item.document) throw new CairnError('INTERNAL', `${origin}: examined without its document, but the step accepts certificates`);
    for (const c of certSigners(item.document, step, cas, now)) {
      if (!signers.some((s) => s.key.fingerprint === c.key.fingerprint)) signers.push({ keyId: `cert:${c.key.fingerprint.slice(0, 16)}`, key: c.key });
    }
  }
  for (const k of identitySigners(item, step)) if (!signers.some((s) => s.key.fingerprint === k.key.fingerprint)) signers.push(k);
  const revokedSigners = revoked ? signers.filter((s) => revoked(s.key)) : [];
  signers = signers.filter((s) => !revokedSigners.includes(s));
  const ids = signers.map((s) => s.keyId);
  if (signers.length === 0 && revokedSigners.length > 0) {
    return { note: { origin, source, accepted: false, signers: [], note: `signed only by revoked key ${revokedSigners.map((s) => s.keyId.slice(0, 8)).join(', ')}` } };
  }
  if (signers.length === 0 && misnamed.length > 0) {
    return { note: { origin, source, accepted: false, signers: [], note: `signed by ${misnamed.map((s) => s.keyId.slice(0, 8)).join(', ')}, but the file is named for keyid ${named}` } };
  }
  if (signers.length === 0) return { note: { origin, source, accepted: false, signers: [], note: 'no valid signature by a key authorised for this step' } };
  if (item.payloadType !== undefined && !isIntotoPayloadType(item.payloadType)) {
    return { note: { origin, source, accepted: false, signers: ids, note: `payloadType ${JSON.stringify(item.payloadType)} is not an in-toto type` } };
  }
  let payload;
  try {
    payload = item.body();
  } catch (err) {
    if (!isCairnError(err)) throw err;
    return unreadable(err.message, ids);
  }
  const rank = Math.min(...signers.map((s) => (step.pubkeys.includes(s.keyId) ? step.pubkeys.indexOf(s.keyId) : step.pubkeys.length)));
  const base = { origin: source, signers: ids, functionary: signers[0]!, rank };
  const expected = step.expected_predicate_type;
  const reject = (note: string): Judged => ({ note: { origin, source, accepted: false, signers: ids, note } });
  if (payload.kind === 'layout') {
    if (expected) return reject(`a sublayout, but the step expects predicate ${expected}`);
    if (!item.document) throw new CairnError('INTERNAL', `${origin}: a sublayout examined without its document`);
    const none = new Map();
    const evidence: StepEvidence = { ...base, kind: 'layout', materials: none, products: none, command: [], byproducts: {}, document: item.document };
    return { note: { origin, source, accepted: true, signers: ids, note: 'sublayout' }, evidence };
  }
  if (payload.kind === 'link') {
    if (payload.name !== step.name) return reject(`a link for step ${JSON.stringify(payload.name)}`);
    const predicate = payload.predicateType;
    if (expected && !(isLinkPredicate(expected) && (predicate === undefined || predicate === expected))) {
      return reject(`predicate ${predicate ?? 'link (legacy)'}, but the step expects ${expected}`);
    }
    const { materials, products, command, byproducts, name, environment } = payload;
    return { note: { origin, source, accepted: true, signers: ids }, evidence: { ...base, kind: 'link', materials, products, command, byproducts, name, ...(environment ? { environment } : {}) } };
  }
  const st = payload.statement;
  if (!expected || st.predicateType !== expected) {
    return reject(`a Statement of predicate ${st.predicateType}${expected ? `, but the step expects ${expected}` : ' (the step has no expected_predicate_type)'}`);
  }
  if (item.boundTo && !st.subject.some((sub) => item.boundTo!.includes(`sha256:${sub.digest?.['sha256'] ?? ''}`))) {
    return reject(`a Statement about ${st.subject.map((sub) => sub.digest?.['sha256']?.slice(0, 12) ?? sub.name ?? '?').join(', ')}, not about this image`);
  }
  let artifacts;
  try {
    artifacts = statementIndex(st, origin);
  } catch (err) {
    if (!isCairnError(err)) throw err;
    return unreadable(err.message, ids);
  }
  return { note: { origin, source, accepted: true, signers: ids }, evidence: { ...base, kind: 'statement', ...artifacts, command: [], byproducts: {}, statement: st } };
}

// Whether a step accepts signers through certificates (ITE-7): then candidates are examined
// on the main thread, where their documents are at hand for certSigners.
function certsApply(step: Step, cas: LayoutCAs): boolean {
  return (step.cert_constraints ?? []).length > 0 && cas.roots.size > 0;
}

/**
 * Gathers the evidence for one step and starts examining it (big files on `pool`'s threads);
 * the outcome, with the step's threshold checked, follows once every candidate is examined.
 * Wrapped so that steps can be gathered one after the other while their files are examined
 * together.
 */
export async function gatherStepEvidence(
  step: Step,
  keys: ReadonlyMap<string, PublicKey>,
  cas: LayoutCAs,
  source: EvidenceSource,
  now: Date,
  revoked?: RevokedCheck,
  pool?: ExaminePool,
): Promise<{ outcome: Promise<StepOutcome> }> {
  const authorised = authorisedFor(step, keys);
  const items = await source.candidatesFor(step, authorised);
  const offered = authorised.map((a) => a.key);
  const usePool = pool && !certsApply(step, cas);
  const examined = Promise.all(items.map((item) => (usePool ? pool.examine(item, offered) : Promise.resolve().then(() => examineItem(item, offered)))));
  const outcome = examined.then((lists) => judgeStep(step, lists.flat(), authorised, cas, source, now, revoked));
  outcome.catch(() => undefined); // awaited by the caller, maybe after other steps were gathered
  return { outcome };
}

function judgeStep(
  step: Step,
  candidates: Examined[],
  authorised: AuthorisedKey[],
  cas: LayoutCAs,
  source: EvidenceSource,
  now: Date,
  revoked?: RevokedCheck,
): StepOutcome {
  const judged = candidates.map((item) => judge(item, step, authorised, cas, now, revoked));
  const evidence = judged.map((j) => j.note);
  const accepted = judged.flatMap((j) => (j.evidence ? [j.evidence] : [])).sort((a, b) => a.rank - b.rank);
  const signers = countedSigners(accepted);
  const base = { check: 'step-evidence' as const, item: step.name, threshold: step.threshold, signers, evidence };
  const fatal = judged.find((j) => j.fatal);
  if (fatal) return { check: { ...base, verdict: 'fail', code: 'VERIFICATION_FAILED', message: `${fatal.note.origin}: ${fatal.note.note}` }, accepted };
  if (signers.length < step.threshold) {
    const why = evidence.filter((n) => !n.accepted).map((n) => `${n.origin}: ${n.note}`);
    const only = `signed by ${signers.map((s) => s.slice(0, 8)).join(', ')} only`;
    const what = candidates.length === 0 ? `no evidence found in ${source.description}` : why.length > 0 ? why.slice(0, 3).join('; ') : only;
    const message = `needs ${step.threshold} authorised functionar${step.threshold === 1 ? 'y' : 'ies'}, found ${signers.length} (${what})`;
    return { check: { ...base, verdict: 'fail', code: candidates.length === 0 ? 'LINK_NOT_FOUND' : 'THRESHOLD_NOT_MET', message }, accepted };
  }
  const short = signers.map((s) => s.slice(0, 8)).join(', ');
  return { check: { ...base, verdict: 'pass', message: `threshold ${step.threshold} met by ${short}` }, accepted };
}

// The functionaries a step's documents count for, each document for one of its signers at most
// and each functionary once: a largest matching (augmenting paths; a step has a handful of
// documents and keys). Without it, one document signed by two keys would be two links.
function countedSigners(accepted: readonly StepEvidence[]): string[] {
  const owner = new Map<string, number>(); // signer keyid -> index of the document it counts for
  const assign = (doc: number, visited: Set<string>): boolean => {
    for (const id of accepted[doc]!.signers) {
      if (visited.has(id)) continue;
      visited.add(id);
      const held = owner.get(id);
      if (held === undefined || assign(held, visited)) {
        owner.set(id, doc);
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < accepted.length; i++) assign(i, new Set());
  const counted = new Set(owner.keys());
  return [...new Set(accepted.flatMap((e) => e.signers))].filter((id) => counted.has(id));
}
