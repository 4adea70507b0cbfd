import { CairnError } from '../errors.js';

// Dates in signed documents (a layout's or a trust root's `expires`), parsed strictly: a date
// that is not one (month 13, February 30th, hour 24) makes the document bad, never "no expiry"
// (Date.parse gives NaN, which compares false with everything) and never the next valid date
// (V8 reads 2030-02-30 as March 2nd). in-toto writes and accepts only `YYYY-MM-DDTHH:MM:SSZ`.
// Spec: RFC 3339 section 5.6 and 5.7; in-toto 1.3.1 formats ISO8601_DATETIME_SCHEMA.

const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|([+-])(\d{2}):(\d{2}))$/;

/** An RFC 3339 date-time (`T` and `Z` in upper case, seconds required), or undefined. */
export function parseRfc3339(s: string): Date | undefined {
  const m = RFC3339_RE.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const day = new Date(Date.UTC(y, mo - 1, d));
  // a leap second (60) has no Date, nor a Python datetime: refused
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) return undefined;
  let offset = 0;
  if (m[8] !== 'Z') {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 23 || om > 59) return undefined;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  return new Date(Date.UTC(y, mo - 1, d, h, mi, se, ms) - offset * 60_000);
}

const INTOTO_DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** True for a real date written `YYYY-MM-DDTHH:MM:SSZ`, the only form in-toto writes. */
export function isIntotoDate(s: string): boolean {
  return INTOTO_DATE_RE.test(s) && parseRfc3339(s) !== undefined;
}

/** Parses `YYYY-MM-DDTHH:MM:SSZ`, rejecting impossible dates with SCHEMA_INVALID. */
export function parseIntotoDate(s: string, where?: string, field = 'expires'): Date {
  const date = INTOTO_DATE_RE.test(s) ? parseRfc3339(s) : undefined;
  if (!date) throw new CairnError('SCHEMA_INVALID', `${field}: ${JSON.stringify(s)} is not a date of the form YYYY-MM-DDTHH:MM:SSZ`, { where });
  return date;
}
