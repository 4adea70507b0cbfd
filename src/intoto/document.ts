import { CairnError } from '../errors.js';
import { parseJson, parseJsonExact, prettySortedJson } from '../encoding/index.js';
import { EnvelopeSchema, MetablockSchema, parseWith, type Envelope } from '../schema/index.js';
import { envelopeSigners } from '../dsse/index.js';
import type { PublicKey, Verifier } from '../crypto/index.js';
import { metablockSigners, type RawMetablock } from './metablock.js';

// A signed in-toto document in either encoding: a legacy Metablock or a DSSE envelope. Readers
// get the body only through verifyDocument, which hands back the bytes as signed (DSSE) or the
// object whose canonical form was signed (Metablock) together with the keys that signed it.

export type SignedDocument =
  | { readonly format: 'legacy'; readonly metablock: RawMetablock }
  | { readonly format: 'dsse'; readonly envelope: Envelope };

/** The signed content of a document and which of the offered keys signed it (maybe none). */
export interface VerifiedDocument {
  readonly format: 'legacy' | 'dsse';
  readonly body: Record<string, unknown>;
  readonly signers: PublicKey[];
  /** For DSSE: the payloadType that was signed over. */
  readonly payloadType?: string;
}

/** Tells a Metablock from a DSSE envelope and parses it. */
export function readSignedDocument(data: string | Uint8Array, where?: string): SignedDocument {
  const json = parseJsonExact(data, where);
  return toSignedDocument(json, where);
}

/** Classifies an already parsed JSON value as a Metablock or an envelope. */
export function toSignedDocument(json: unknown, where?: string): SignedDocument {
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    if ('signed' in json) {
      parseWith(MetablockSchema, json, where);
      return { format: 'legacy', metablock: json as RawMetablock };
    }
    if ('payload' in json || 'payloadType' in json) return { format: 'dsse', envelope: parseWith(EnvelopeSchema, json, where) };
  }
  throw new CairnError('SCHEMA_INVALID', 'neither an in-toto Metablock ({"signed","signatures"}) nor a DSSE envelope', { where });
}

/** Reads every envelope of a `.intoto.jsonl` bundle; lines that are not envelopes are skipped, as the spec says. */
export function readBundle(text: string): Envelope[] {
  const out: Envelope[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const doc = readSignedDocument(line);
      if (doc.format === 'dsse') out.push(doc.envelope);
    } catch {
      // Spec (bundle.md): consumers ignore lines they do not understand.
    }
  }
  return out;
}

/** Checks signatures with the given keys and returns the signed body; `signers` may be empty. */
export function verifyDocument(doc: SignedDocument, verifiers: Verifier[], where?: string): VerifiedDocument {
  if (doc.format === 'legacy') {
    return { format: 'legacy', body: doc.metablock.signed, signers: metablockSigners(doc.metablock, verifiers) };
  }
  const verified = envelopeSigners(doc.envelope, verifiers, where);
  const body = parseJson(verified.payload, where ? `${where}: payload` : 'payload');
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new CairnError('SCHEMA_INVALID', 'DSSE payload is not a JSON object', { where });
  }
  return { format: 'dsse', body: body as Record<string, unknown>, signers: verified.signers, payloadType: verified.payloadType };
}

/** The file text of a document: in-toto's pretty sorted JSON for Metablocks, one JSON line for DSSE. */
export function serializeDocument(doc: SignedDocument): string {
  if (doc.format === 'legacy') return prettySortedJson(doc.metablock);
  return `${JSON.stringify(doc.envelope)}\n`;
}
