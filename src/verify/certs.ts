import { X509Certificate } from 'node:crypto';
import { CairnError } from '../errors.js';
import { keyVerifier, publicKeyFrom, type PublicKey } from '../crypto/index.js';
import { envelopeSigners } from '../dsse/index.js';
import { metablockSigners, type Layout, type SignedDocument, type Step } from '../intoto/index.js';
import type { CertConstraint } from '../schema/index.js';

// ITE-7 (in-toto-golang): a layout may name root and intermediate CAs, and a step may accept
// links signed by any certificate that chains to those roots and meets one of the step's
// cert_constraints, besides its listed pubkeys. The certificate travels in the signature
// (`cert`, PEM). Checks follow in-toto-golang: x509 chain to the layout's roots (leaf with
// serverAuth or no extended key usage, as Go's default), then every constraint attribute:
// `*` allows any value, an empty list allows none, otherwise the values must be exactly the listed ones.
// Source: in-toto-golang in_toto/certconstraint.go, verifylib.go VerifyLinkSignatureThesholds;
// https://github.com/in-toto/ITE/tree/master/ITE/7

/** The certificate authorities a layout names. */
export interface LayoutCAs {
  readonly roots: ReadonlyMap<string, X509Certificate>;
  readonly intermediates: readonly X509Certificate[];
}

/** A signer accepted through a certificate. */
export interface CertSigner {
  readonly key: PublicKey;
  readonly subject: string;
}

function loadCerts(map: Layout['rootcas'], what: string, where?: string): Map<string, X509Certificate> {
  const out = new Map<string, X509Certificate>();
  for (const [id, dict] of Object.entries(map ?? {})) {
    try {
      out.set(id, new X509Certificate(dict.keyval.certificate ?? ''));
    } catch (err) {
      throw new CairnError('KEY_INVALID', `${what}.${id.slice(0, 16)}: not an X.509 certificate`, { where, cause: err });
    }
  }
  return out;
}

/** True when `pem` parses as an X.509 certificate. */
export function isCertificate(pem: unknown): boolean {
  if (typeof pem !== 'string') return false;
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

/** Reads a layout's rootcas and intermediatecas. */
export function loadLayoutCAs(layout: Layout, where?: string): LayoutCAs {
  return { roots: loadCerts(layout.rootcas, 'rootcas', where), intermediates: [...loadCerts(layout.intermediatecas, 'intermediatecas', where).values()] };
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const ANY_EKU = '2.5.29.37.0';

function validAt(c: X509Certificate, now: Date): boolean {
  return new Date(c.validFrom) <= now && now <= new Date(c.validTo);
}

function issuedBy(c: X509Certificate, issuer: X509Certificate, now: Date): boolean {
  return issuer.ca && validAt(issuer, now) && c.checkIssued(issuer) && c.verify(issuer.publicKey);
}

/** True when `leaf` chains to one of `roots` through `intermediates`, all valid at `now`. */
export function chainsToRoot(leaf: X509Certificate, cas: LayoutCAs, now: Date): boolean {
  if (!validAt(leaf, now)) return false;
  const eku = leaf.keyUsage;
  if (eku && eku.length > 0 && !eku.includes(SERVER_AUTH) && !eku.includes(ANY_EKU)) return false;
  const roots = [...cas.roots.values()];
  const walk = (c: X509Certificate, depth: number, seen: Set<string>): boolean => {
    if (roots.some((r) => r.fingerprint256 === c.fingerprint256 || issuedBy(c, r, now))) return true;
    if (depth >= 8) return false;
    return cas.intermediates.some((i) => !seen.has(i.fingerprint256) && issuedBy(c, i, now) && walk(i, depth + 1, new Set([...seen, i.fingerprint256])));
  };
  return walk(leaf, 0, new Set());
}

function attribute(constraints: readonly string[] | null, values: readonly string[]): boolean {
  let want = constraints ?? [];
  if (want.length === 1 && want[0] === '*') return true;
  if (want.length === 1 && want[0] === '') want = [];
  const have = values.length === 1 && values[0] === '' ? [] : values;
  if (want.length === 0) return have.length === 0;
  const unmet = new Set(want);
  for (const v of have) {
    if (!unmet.has(v)) return false;
    unmet.delete(v);
  }
  return unmet.size === 0;
}

function subjectValues(c: X509Certificate, field: string): string[] {
  const v = (c.toLegacyObject().subject as unknown as Record<string, string | string[] | undefined>)[field];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

// Node writes subjectAltName as `DNS:a, URI:b, email:c`, quoting values that hold a comma.
function sanValues(c: X509Certificate, type: string): string[] {
  const out: string[] = [];
  const re = /(DNS|URI|email|IP Address|[A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (const m of (c.subjectAltName ?? '').matchAll(re)) {
    if (m[1] !== type) continue;
    out.push(m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!);
  }
  return out;
}

/** True when the certificate meets the constraint (every attribute, as in-toto-golang). */
export function meetsConstraint(c: X509Certificate, cc: CertConstraint, rootIds: readonly string[]): boolean {
  return (
    attribute([cc.common_name], subjectValues(c, 'CN').slice(0, 1)) &&
    attribute(cc.dns_names, sanValues(c, 'DNS')) &&
    attribute(cc.emails, sanValues(c, 'email')) &&
    attribute(cc.organizations, subjectValues(c, 'O')) &&
    attribute(cc.roots, rootIds) &&
    attribute(cc.uris, sanValues(c, 'URI'))
  );
}

function signatureCerts(doc: SignedDocument): string[] {
  const sigs = (doc.format === 'legacy' ? doc.metablock.signatures : doc.envelope.signatures) as Record<string, unknown>[];
  const pems: string[] = [];
  for (const s of sigs) for (const f of ['cert', 'certificate']) if (typeof s[f] === 'string' && s[f]) pems.push(s[f] as string);
  return pems;
}

/** The signers of `doc` accepted through certificates under `step`'s constraints. */
export function certSigners(doc: SignedDocument, step: Step, cas: LayoutCAs, now: Date): CertSigner[] {
  const constraints = step.cert_constraints ?? [];
  if (constraints.length === 0 || cas.roots.size === 0) return [];
  const out: CertSigner[] = [];
  const rootIds = [...cas.roots.keys()];
  for (const pem of signatureCerts(doc)) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch {
      continue;
    }
    if (!chainsToRoot(cert, cas, now) || !constraints.some((cc) => meetsConstraint(cert, cc, rootIds))) continue;
    let key: PublicKey;
    try {
      key = publicKeyFrom(cert.publicKey, undefined, undefined, cert);
    } catch {
      continue;
    }
    const v = [keyVerifier(key)];
    const signed = doc.format === 'legacy' ? metablockSigners(doc.metablock, v).length > 0 : envelopeSigners(doc.envelope, v).signers.length > 0;
    if (signed && !out.some((o) => o.key.fingerprint === key.fingerprint)) out.push({ key, subject: cert.subject.replace(/\n/g, ', ') });
  }
  return out;
}
