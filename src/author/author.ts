import { CairnError, ValidationError } from '../errors.js';
import { keyDict, keySigner, keyVerifier, type PrivateKey, type PublicKey } from '../crypto/index.js';
import { addSignatures, envelopeSigners, INTOTO_PAYLOAD_TYPE, signEnvelope } from '../dsse/index.js';
import { decodeBase64, parseJson, parseRfc3339 } from '../encoding/index.js';
import { addMetablockSignatures, metablockSigners, toSignedDocument, type MetadataFormat, type SignedDocument } from '../intoto/index.js';
import { checkLayout } from './check.js';
import { checkLayoutAttributes } from './check-attributes.js';
import { formatExpires } from '../verify/index.js';
import { IMAGE_CONFIG_FIELD_PREFIX } from '../image-verify/index.js';
import { IMAGE_INSPECTION_COMMAND } from '../verify/index.js';

// Writing layouts: `cairn layout create` (an editable, unsigned skeleton) and `cairn layout
// sign` (Metablock or DSSE, several owners). Signing works on the raw JSON object, so fields
// Cairn does not model stay (and stay covered by the signature); it replaces only the
// signatures of the keys signing now and keeps every other one.

/** A step of a skeleton: its name and who may perform it. */
export interface SkeletonStep {
  name: string;
  keys: PublicKey[];
}

/** Where a skeleton expects the step that sets the image's execution parameters to record them. */
export const SKELETON_CONFIG_DIR = 'image-config';

/**
 * The image inspection of a skeleton, fail-closed: every file of the image must be a product of
 * `last` under the same name, every execution parameter (`/config/Entrypoint`, ...) must be
 * the product `image-config/<Field>` of `last` (the field's value as canonical JSON), and
 * nothing else but the image's own digests is admitted. A user widens it by writing rules.
 */
export function imageInspectionSkeleton(name: string, last: string | undefined): Record<string, unknown> {
  const matches = last === undefined ? [] : [
    ['MATCH', '*', 'WITH', 'PRODUCTS', 'FROM', last],
    ['MATCH', '*', 'IN', IMAGE_CONFIG_FIELD_PREFIX.slice(0, -1), 'WITH', 'PRODUCTS', 'IN', SKELETON_CONFIG_DIR, 'FROM', last],
  ];
  return {
    _type: 'inspection',
    name,
    run: [IMAGE_INSPECTION_COMMAND],
    expected_materials: [...matches, ['ALLOW', '/oci/*'], ['DISALLOW', '*']],
    expected_products: [['ALLOW', '*']],
  };
}

/**
 * An unsigned layout to edit: the first step must create what it produces, each later step
 * may consume only what the step before it produced (MATCH, then DISALLOW the rest), and (unless
 * `image` is false) the image inspection binds the layout to the image being verified.
 */
export function layoutSkeleton(options: { steps: SkeletonStep[]; expires: Date; readme?: string; image?: boolean }): Record<string, unknown> {
  const keys: Record<string, unknown> = {};
  for (const s of options.steps) for (const k of s.keys) keys[k.keyId] = keyDict(k);
  const steps = options.steps.map((s, i) => ({
    _type: 'step',
    name: s.name,
    threshold: 1,
    pubkeys: [...new Set(s.keys.map((k) => k.keyId))],
    expected_command: [],
    expected_materials: i === 0 ? [] : [['MATCH', '*', 'WITH', 'PRODUCTS', 'FROM', options.steps[i - 1]!.name], ['DISALLOW', '*']],
    expected_products: i === 0 ? [['CREATE', '*'], ['DISALLOW', '*']] : [['ALLOW', '*']],
  }));
  const names = new Set(options.steps.map((s) => s.name));
  let name = 'image';
  for (let i = 2; names.has(name); i++) name = `image-${i}`;
  const inspect = options.image === false ? [] : [imageInspectionSkeleton(name, options.steps[options.steps.length - 1]?.name)];
  return { _type: 'layout', expires: formatExpires(options.expires), readme: options.readme ?? '', keys, steps, inspect };
}

/** Reads `30d`, `12h`, `2w` (from now) or an ISO date into a date. */
export function parseExpiry(text: string, now = new Date()): Date {
  const rel = /^(\d+)([hdwy])$/.exec(text);
  if (rel) {
    const hours = { h: 1, d: 24, w: 24 * 7, y: 24 * 365 }[rel[2] as 'h' | 'd' | 'w' | 'y'];
    return new Date(now.getTime() + Number(rel[1]) * hours * 3600_000);
  }
  // completed to a full RFC 3339 date-time and parsed strictly (V8 would read 2030-02-30 as March 2nd)
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  const zone = (z: string | undefined) => (!z || z === 'Z' ? 'Z' : z.includes(':') ? z : `${z.slice(0, 3)}:${z.slice(3)}`);
  const d = m ? parseRfc3339(`${m[1]}T${m[2] ?? '00:00'}${m[3] ?? ':00'}${zone(m[4])}`) : undefined;
  if (!d) throw new CairnError('INVALID_ARGUMENT', `expiry ${JSON.stringify(text)}: give a duration (30d, 12h, 2w, 1y) or a date (2030-01-01 or 2030-01-01T00:00:00Z)`, { details: { reason: 'bad-expiry' } });
  return d;
}

/** A layout file as read: its body, the signatures it carries, and its format (none: bare). */
interface Source {
  body: Record<string, unknown>;
  format: MetadataFormat | 'bare';
  doc?: SignedDocument;
}

function readSource(json: unknown, where?: string): Source {
  if (json && typeof json === 'object' && !Array.isArray(json) && (json as Record<string, unknown>)['_type'] === 'layout') {
    return { body: json as Record<string, unknown>, format: 'bare' };
  }
  const doc = toSignedDocument(json, where);
  if (doc.format === 'legacy') return { body: doc.metablock.signed, format: 'legacy', doc };
  const body = parseJson(decodeBase64(doc.envelope.payload, where), where);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new CairnError('SCHEMA_INVALID', 'the DSSE payload is not a JSON object', { where });
  return { body: body as Record<string, unknown>, format: 'dsse', doc };
}

/** How `signLayout` writes: format, expiry, and whether a format change may drop signatures. */
export interface SignLayoutOptions {
  /** The format to write (default: the file's own, legacy for a bare layout). */
  format?: MetadataFormat;
  /** Set `expires` before signing. */
  expires?: Date;
  /** Allow dropping other keys' signatures when the format changes. */
  force?: boolean;
  where?: string;
}

/** The signed layout and what the signer should be told. */
export interface SignedLayout {
  document: SignedDocument;
  warnings: string[];
}

// The signatures in `doc` that none of `keys` made (a re-sign keeps them).
function othersOf(doc: SignedDocument, keys: PrivateKey[]): number {
  const verifiers = keys.map((k) => keyVerifier(k.publicKey));
  const named = (id: string | undefined) => keys.some((k) => k.publicKey.keyIds.has(id ?? ''));
  if (doc.format === 'legacy') {
    const { signed, signatures } = doc.metablock;
    return signatures.filter((s) => !named(s.keyid) && metablockSigners({ signed, signatures: [s] }, verifiers).length === 0).length;
  }
  return doc.envelope.signatures.filter((s) => !named(s.keyid) && envelopeSigners({ ...doc.envelope, signatures: [s] }, verifiers).signers.length === 0).length;
}

/** Signs a layout file's content (Metablock, DSSE envelope or bare layout JSON) with `keys`. */
export async function signLayout(json: unknown, keys: PrivateKey[], options: SignLayoutOptions = {}): Promise<SignedLayout> {
  if (keys.length === 0) throw new CairnError('INVALID_ARGUMENT', 'give at least one signing key');
  const src = readSource(json, options.where);
  let body = src.body;
  const changed = options.expires !== undefined && body['expires'] !== formatExpires(options.expires);
  if (changed) body = { ...body, expires: formatExpires(options.expires!) };
  const errors = [...checkLayout(body, new Date(0)), ...(await checkLayoutAttributes(body))].filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new ValidationError(errors.map((p) => ({ path: p.path, message: p.message })), { where: options.where });
  const format = options.format ?? (src.format === 'bare' ? 'legacy' : src.format);
  const warnings: string[] = [];
  const others = src.doc ? othersOf(src.doc, keys) : 0;
  const converting = src.format !== 'bare' && src.format !== format;
  if (converting && others > 0 && !options.force) {
    throw new CairnError('INVALID_ARGUMENT', `changing the format to ${format} drops ${others} signature(s) by other keys; sign with all keys at once`, { where: options.where, details: { reason: 'drops-signatures' } });
  }
  if (changed && others > 0 && !converting) warnings.push(`the content changed: ${others} signature(s) by other keys no longer verify; they must sign again`);
  if (format === 'legacy') {
    const kept = src.doc?.format === 'legacy' && !converting ? src.doc.metablock.signatures : [];
    return { document: { format: 'legacy', metablock: addMetablockSignatures({ signed: body, signatures: kept }, keys) }, warnings };
  }
  const signers = keys.map(keySigner);
  if (src.doc?.format === 'dsse' && !converting) {
    if (!changed) return { document: { format: 'dsse', envelope: await addSignatures(src.doc.envelope, signers, options.where) }, warnings };
    const fresh = await signEnvelope(src.doc.envelope.payloadType, Buffer.from(JSON.stringify(body), 'utf8'), signers);
    const env = src.doc.envelope;
    const kept = env.signatures.filter((s) => othersOf({ format: 'dsse', envelope: { ...env, signatures: [s] } }, keys) === 1);
    return { document: { format: 'dsse', envelope: { ...fresh, signatures: [...kept, ...fresh.signatures] } }, warnings };
  }
  return { document: { format: 'dsse', envelope: await signEnvelope(INTOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(body), 'utf8'), signers) }, warnings };
}
