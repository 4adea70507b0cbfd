import { CairnError } from '../errors.js';
import { parseJson } from '../encoding/index.js';
import type { EvidenceItem } from '../evidence/index.js';
import { readEvidenceBody, type EvidenceBody } from './payload.js';

// An unsigned Statement (BuildKit's attestations: anyone who can push an index can write one)
// counts only through a signed envelope that vouches for it. The envelope's signatures were
// checked like any other candidate's (examine.ts); here its signed Statement must say which
// Statement it vouches for: the same predicateType, and a subject naming a digest that pins
// the vouched bytes (the attestation manifest, whose layers are content-addressed, or the
// Statement blob itself). What counts is then the vouched Statement, read from those bytes,
// and steps.ts checks its predicate type and that its subjects name the image, as for any
// Statement. docs/registry.md, "BuildKit attestations".

type Vouched = NonNullable<EvidenceItem['vouchesFor']>;

const short = (d: string) => d.replace(/^sha256:/, '').slice(0, 12);

/** The vouched Statement as evidence, given the vouching envelope's verified body. */
export function vouchedBody(vouchBody: Record<string, unknown>, vouched: Vouched, origin: string): EvidenceBody {
  const vouch = readEvidenceBody(vouchBody, origin);
  if (vouch.kind !== 'statement') throw new CairnError('VERIFICATION_FAILED', 'the vouching envelope does not hold a Statement', { where: origin });
  const target = parseJson(vouched.statement, `${origin}: vouched Statement`);
  if (!target || typeof target !== 'object' || Array.isArray(target)) throw new CairnError('SCHEMA_INVALID', 'the vouched Statement is not a JSON object', { where: origin });
  const body = readEvidenceBody(target as Record<string, unknown>, `${origin}: vouched Statement`);
  if (body.kind !== 'statement') throw new CairnError('VERIFICATION_FAILED', 'the vouched document is not a Statement of a non-link predicate', { where: origin });
  const st = vouch.statement;
  if (st.predicateType !== body.statement.predicateType) {
    throw new CairnError('VERIFICATION_FAILED', `the vouch is of predicate ${st.predicateType}, the vouched Statement of ${body.statement.predicateType}`, { where: origin });
  }
  const names = st.subject.map((s) => s.digest?.['sha256']).filter((d): d is string => d !== undefined);
  if (!names.some((d) => vouched.pinnedBy.includes(`sha256:${d}`))) {
    const what = vouched.pinnedBy.map(short).join(' or ');
    throw new CairnError('VERIFICATION_FAILED', `the vouch names ${names.map(short).join(', ') || 'no sha256 digest'}, not the attestation (${what})`, { where: origin });
  }
  return body;
}
