import { keyVerifier, type PublicKey } from '../crypto/index.js';
import { interpretPayload, readSignedDocument, verifyDocument, type Link } from '../intoto/index.js';
import { diskReader, type FileReader } from './files.js';

// Link files on their own, without a layout: who signed each (all of `keys` must have), and
// what it records.

/** What one file holds and who signed it. */
export interface LinkFileReport {
  readonly file: string;
  readonly format: 'legacy' | 'dsse';
  readonly kind: string;
  /** The step of a link, the predicate type of a Statement, or `layout`. */
  readonly name: string;
  /** Every key in `keys` signed it. */
  readonly verified: boolean;
  readonly signers: readonly PublicKey[];
  /** The keys in `keys` that did not sign it. */
  readonly missing: readonly PublicKey[];
  readonly link?: Link;
}

/** Reads each file and checks its signatures against `keys`. */
export function checkLinkFiles(files: readonly string[], keys: readonly PublicKey[], read: FileReader = diskReader): LinkFileReport[] {
  const verifiers = keys.map(keyVerifier);
  return files.map((f) => {
    const doc = readSignedDocument(read(f).toString('utf8'), f);
    const v = verifyDocument(doc, verifiers, f);
    const payload = interpretPayload(v.body, f);
    const name = payload.kind === 'link' ? payload.link.name : payload.kind === 'statement' ? payload.statement.predicateType : 'layout';
    const signedBy = new Set(v.signers.map((k) => k.fingerprint));
    const missing = keys.filter((k) => !signedBy.has(k.fingerprint));
    return { file: f, format: doc.format, kind: payload.kind, name, verified: missing.length === 0, signers: v.signers, missing, ...(payload.kind === 'link' ? { link: payload.link } : {}) };
  });
}
