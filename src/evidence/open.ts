import { statSync } from 'node:fs';
import { CairnError, isCairnError } from '../errors.js';
import { readInputFile } from '../disk/index.js';
import { decodeText } from '../encoding/index.js';
import { readBundle, readSignedDocument } from '../intoto/index.js';
import type { EvidenceItem, OpenedEvidence } from './source.js';

// Reading a file of evidence, as in-toto-verify reads a link: a missing file (or a directory
// named like a link) holds nothing; one that cannot be parsed is an unreadable candidate, which
// fails its step; a bundle yields each of its envelopes (lines that are not envelopes are
// skipped, as the bundle spec says; a bundle without any is unreadable). Runs on whichever
// thread examines the item (src/policy), so that big links are parsed next to their check.

/** The documents of an item: itself if already read, else what its file holds. */
export function openEvidence(item: EvidenceItem): OpenedEvidence[] {
  if (!item.unopened) return [item];
  const { unopened, ...provenance } = item;
  const { path, bundle } = unopened;
  let bytes: Buffer;
  try {
    bytes = readInputFile(path);
  } catch (err) {
    if (isCairnError(err, 'FILE_NOT_FOUND')) return [];
    if (isCairnError(err, 'INVALID_ARGUMENT') && statSync(path, { throwIfNoEntry: false })?.isDirectory()) return [];
    throw err;
  }
  try {
    if (!bundle) return [{ ...provenance, document: readSignedDocument(bytes, path) }];
    const envelopes = readBundle(decodeText(bytes));
    if (envelopes.length === 0) throw new CairnError('SCHEMA_INVALID', 'the bundle holds no DSSE envelope', { where: path });
    return envelopes.map((envelope, i) => ({ ...provenance, origin: envelopes.length > 1 ? { ...provenance.origin, entry: i } : provenance.origin, document: { format: 'dsse', envelope } }));
  } catch (err) {
    if (!isCairnError(err)) throw err;
    return [{ ...provenance, error: err }];
  }
}
