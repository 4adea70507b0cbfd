import { X509Certificate } from 'node:crypto';
import { CairnError, isCairnError } from '../../errors.js';
import { keyVerifier, type PublicKey } from '../../crypto/index.js';
import { decodeBase64, parseJson } from '../../encoding/index.js';
import { envelopeSigners } from '../../dsse/index.js';
import { toSignedDocument } from '../../intoto/index.js';
import type { Envelope } from '../../schema/index.js';
import { readSigstoreBundle, verifySigstoreBundle, type SigstoreTrustedRoot, type VerifiedBundle } from '../../sigstore/index.js';
import { decodeCbor, type Cbor } from './cbor.js';

// One evidence layer, whatever tool wrote it: which envelope it is, what it signs (payloadType,
// the Statement's predicateType and subjects, or notation's target), who signed it, and whether
// that signature verified with the trust material given. Reading never trusts: a field read
// from an unverified layer is reported as a claim, and only `verified` says otherwise.

/** Keys and Sigstore roots a signature may be checked with. */
export interface TrustMaterial {
  readonly keys?: readonly PublicKey[];
  readonly trustedRoot?: SigstoreTrustedRoot;
}

export type EnvelopeKind = 'dsse' | 'sigstore-bundle' | 'in-toto-statement' | 'metablock' | 'jws' | 'cose' | 'cosign-simplesigning' | 'other';

/** Whether a signature verified: with which key or root, or why not. */
export type Verification =
  | { readonly result: 'verified'; readonly with: string }
  | { readonly result: 'failed' | 'not-checked'; readonly why: string }
  | { readonly result: 'unsigned' };

export interface Signer {
  readonly keyids?: readonly string[];
  /** Certificate SAN (Fulcio identity) and OIDC issuer, or an X.509 subject (notation). */
  readonly identity?: string;
  readonly issuer?: string;
}

/** What a layer is; claims unless `verified.result` is `verified`. */
export interface LayerFacts {
  readonly envelope: EnvelopeKind;
  readonly payloadType?: string;
  readonly predicateType?: string;
  readonly subjects?: readonly { readonly name?: string; readonly digest?: Readonly<Record<string, string>> }[];
  /** The digest the signed content names (notation's targetArtifact, cosign's docker-manifest-digest). */
  readonly target?: string;
  readonly signer?: Signer;
  readonly verified: Verification;
  /** A DSSE envelope the layer holds (for verification engines). */
  readonly dsse?: Envelope;
  /** For a keyless Sigstore bundle verified against the trusted root. */
  readonly keyless?: VerifiedBundle;
  /** For a bare, unsigned Statement (BuildKit's): its bytes, which a signed envelope may vouch for. */
  readonly statement?: Buffer;
}

const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

// The Statement fields of a payload, if it is one.
function statementFacts(payload: Uint8Array | string, where: string): Pick<LayerFacts, 'predicateType' | 'subjects'> {
  let body: Record<string, unknown> | undefined;
  try {
    body = obj(parseJson(payload, where));
  } catch {
    return {};
  }
  if (!body || typeof body['predicateType'] !== 'string') return {};
  const subjects = Array.isArray(body['subject']) ? body['subject'].map(obj).filter((s) => s !== undefined).map((s) => ({
    ...(typeof s['name'] === 'string' ? { name: s['name'] } : {}),
    ...(obj(s['digest']) ? { digest: s['digest'] as Record<string, string> } : {}),
  })) : [];
  return { predicateType: body['predicateType'], subjects };
}

const keyName = (k: PublicKey) => `key ${[...k.keyIds][0]?.slice(0, 8) ?? k.fingerprint.slice(0, 8)}`;

function dsseFacts(env: Envelope, trust: TrustMaterial, where: string): LayerFacts {
  const keyids = env.signatures.map((s) => s.keyid).filter((k): k is string => !!k);
  const base = { envelope: 'dsse' as const, payloadType: env.payloadType, dsse: env, ...(keyids.length ? { signer: { keyids } } : {}) };
  const payload = decodeBase64(env.payload, `${where}: payload`);
  const stmt = statementFacts(payload, where);
  if (!trust.keys?.length) return { ...base, ...stmt, verified: { result: 'not-checked', why: 'no key given' } };
  const signers = envelopeSigners(env, trust.keys.map(keyVerifier), where).signers;
  const verified: Verification = signers.length ? { result: 'verified', with: signers.map(keyName).join(', ') } : { result: 'failed', why: 'no given key verifies a signature' };
  return { ...base, ...stmt, verified };
}

function bundleFacts(json: unknown, trust: TrustMaterial, where: string): LayerFacts {
  const facts = readSigstoreBundle(json, where);
  const signer: Signer | undefined = facts.certificate
    ? { ...(facts.certificate.subjectAlternativeName ? { identity: facts.certificate.subjectAlternativeName } : {}), ...(facts.certificate.issuer ? { issuer: facts.certificate.issuer } : {}) }
    : facts.publicKeyHint ? { keyids: [facts.publicKeyHint] } : undefined;
  const inner = facts.envelope ? statementFacts(decodeBase64(facts.envelope.payload, where), where) : {};
  const base = { envelope: 'sigstore-bundle' as const, ...(facts.envelope ? { payloadType: facts.envelope.payloadType, dsse: facts.envelope } : {}), ...inner, ...(signer ? { signer } : {}) };
  if (!facts.certificate) {
    if (!facts.envelope) return { ...base, verified: { result: 'not-checked', why: 'a key-signed message signature' } };
    const d = dsseFacts(facts.envelope, trust, where);
    return { ...base, verified: d.verified };
  }
  if (!trust.trustedRoot) return { ...base, verified: { result: 'not-checked', why: 'keyless: no trusted root given' } };
  try {
    const keyless = verifySigstoreBundle(facts, trust.trustedRoot, where);
    return { ...base, keyless, verified: { result: 'verified', with: trust.trustedRoot.origin } };
  } catch (err) {
    if (!isCairnError(err, 'SIGNATURE_INVALID')) throw err;
    return { ...base, verified: { result: 'failed', why: err.message } };
  }
}

function certSubject(der: Buffer | string): string | undefined {
  try {
    return new X509Certificate(typeof der === 'string' ? Buffer.from(der, 'base64') : der).subject.replace(/\n/g, ', ');
  } catch {
    return undefined;
  }
}

// notation's signed content: {"targetArtifact": {digest, mediaType, size}}.
function notationTarget(payload: Uint8Array, where: string): string | undefined {
  try {
    const d = obj(obj(parseJson(payload, where))?.['targetArtifact'])?.['digest'];
    return typeof d === 'string' ? d : undefined;
  } catch {
    return undefined;
  }
}

const NOT_NOTATION_TRUST = { result: 'not-checked', why: 'notation signatures are checked by notation trust policies, which Cairn does not read' } as const;

function jwsFacts(json: unknown, where: string): LayerFacts {
  const j = obj(json);
  if (!j || typeof j['payload'] !== 'string' || typeof j['protected'] !== 'string') throw new CairnError('SCHEMA_INVALID', 'not a JWS (JSON serialization)', { where });
  const x5c = obj(j['header'])?.['x5c'];
  const leaf = Array.isArray(x5c) && typeof x5c[0] === 'string' ? certSubject(x5c[0]) : undefined;
  const target = notationTarget(decodeBase64(j['payload'], where), where);
  return { envelope: 'jws', payloadType: 'application/vnd.cncf.notary.payload.v1+json', ...(target ? { target } : {}), ...(leaf ? { signer: { identity: leaf } } : {}), verified: NOT_NOTATION_TRUST };
}

function coseFacts(bytes: Buffer, where: string): LayerFacts {
  let msg: Cbor = decodeCbor(bytes, where);
  if (msg && typeof msg === 'object' && 'tag' in msg && msg.tag === 18) msg = msg.value;
  if (!Array.isArray(msg) || msg.length !== 4 || !(msg[2] instanceof Buffer)) throw new CairnError('SCHEMA_INVALID', 'not a COSE_Sign1 message', { where });
  const unprotected = msg[1] instanceof Map ? msg[1] : new Map();
  const chain = unprotected.get(33); // x5chain, RFC 9360
  const leaf = chain instanceof Buffer ? chain : Array.isArray(chain) && chain[0] instanceof Buffer ? chain[0] : undefined;
  const subject = leaf ? certSubject(leaf) : undefined;
  const target = notationTarget(msg[2], where);
  return { envelope: 'cose', payloadType: 'application/vnd.cncf.notary.payload.v1+json', ...(target ? { target } : {}), ...(subject ? { signer: { identity: subject } } : {}), verified: NOT_NOTATION_TRUST };
}

// cosign's simple signing payload: {"critical":{"image":{"docker-manifest-digest":...}}}, the
// signature (base64, over the payload bytes) in the layer's annotation.
function simpleSigningFacts(bytes: Buffer, signature: string | undefined, cert: string | undefined, trust: TrustMaterial, where: string): LayerFacts {
  const critical = obj(obj(parseJson(bytes, where))?.['critical']);
  const d = obj(critical?.['image'])?.['docker-manifest-digest'];
  const target = typeof d === 'string' ? d : undefined;
  const signer: Signer | undefined = cert ? { identity: certSubject(Buffer.from(cert.replace(/-----[^-]+-----|\s/g, ''), 'base64')) ?? 'certificate' } : undefined;
  const base = { envelope: 'cosign-simplesigning' as const, payloadType: 'application/vnd.dev.cosign.simplesigning.v1+json', ...(target ? { target } : {}), ...(signer ? { signer } : {}) };
  if (!signature) return { ...base, verified: { result: 'failed', why: 'no signature annotation' } };
  if (!trust.keys?.length) return { ...base, verified: { result: 'not-checked', why: cert ? 'keyless cosign signature (no bundle to verify offline)' : 'no key given' } };
  const sig = decodeBase64(signature, `${where}: signature`);
  const by = trust.keys.filter((k) => keyVerifier(k).verify(bytes, sig));
  return { ...base, verified: by.length ? { result: 'verified', with: by.map(keyName).join(', ') } : { result: 'failed', why: 'no given key verifies the signature' } };
}

/** Reads one layer's bytes as the evidence its media type says it is. */
export function readLayer(mediaType: string, bytes: Buffer, annotations: Record<string, string>, trust: TrustMaterial, where: string): LayerFacts {
  if (mediaType === 'application/cose') return coseFacts(bytes, where);
  if (mediaType === 'application/vnd.dev.cosign.simplesigning.v1+json') {
    return simpleSigningFacts(bytes, annotations['dev.cosignproject.cosign/signature'], annotations['dev.sigstore.cosign/certificate'], trust, where);
  }
  const json = parseJson(bytes, where);
  if (mediaType === 'application/jose+json') return jwsFacts(json, where);
  const o = obj(json);
  if (o && 'mediaType' in o && typeof o['mediaType'] === 'string' && o['mediaType'].startsWith('application/vnd.dev.sigstore.bundle')) return bundleFacts(json, trust, where);
  if (o && typeof o['_type'] === 'string' && typeof o['predicateType'] === 'string') {
    return { envelope: 'in-toto-statement', payloadType: 'application/vnd.in-toto+json', ...statementFacts(bytes, where), statement: bytes, verified: { result: 'unsigned' } };
  }
  if (o && ('payload' in o || 'payloadType' in o || 'signed' in o)) {
    const doc = toSignedDocument(json, where);
    if (doc.format === 'dsse') return dsseFacts(doc.envelope, trust, where);
    const keyids = doc.metablock.signatures.map((s) => s.keyid);
    return { envelope: 'metablock', ...(keyids.length ? { signer: { keyids } } : {}), verified: { result: 'not-checked', why: 'legacy links are checked by cairn verify against a layout' } };
  }
  return { envelope: 'other', verified: { result: 'not-checked', why: `${mediaType} is not an envelope Cairn reads` } };
}
