import { CairnError } from '../errors.js';
import { readInputFile } from '../disk/index.js';
import { readSignedDocument, type SignedDocument } from '../intoto/index.js';

// The files `cairn attach` accepts: a DSSE envelope (.json), an in-toto bundle (.intoto.jsonl:
// one envelope a line, each becomes one referrer), or a legacy Metablock link (.link), from
// `cairn run` or from other in-toto tools. Each document keeps the exact bytes it was read as.

/** One document to attach, with its bytes and where it came from. */
export interface AttachInput {
  document: SignedDocument;
  bytes: Buffer;
  source: string;
}

/** Reads every document in a file. */
export function readAttachInputs(path: string): AttachInput[] {
  const data = readInputFile(path);
  const text = data.toString('utf8');
  const trimmed = text.trim();
  const lines = trimmed.split('\n').filter((l) => l.trim() !== '');
  if (path.endsWith('.jsonl') || (lines.length > 1 && lines.every((l) => l.trim().startsWith('{')) && !looksLikeOneJson(trimmed))) {
    const out: AttachInput[] = [];
    lines.forEach((line, i) => {
      const where = `${path}:${i + 1}`;
      let document: SignedDocument;
      try {
        document = readSignedDocument(line, where);
      } catch {
        return; // Spec (bundle.md): lines a consumer does not understand are ignored.
      }
      out.push({ document, bytes: Buffer.from(`${line.trim()}\n`, 'utf8'), source: where });
    });
    if (out.length === 0) throw new CairnError('SCHEMA_INVALID', 'no DSSE envelope or Metablock in this bundle', { where: path });
    return out;
  }
  return [{ document: readSignedDocument(data, path), bytes: data, source: path }];
}

function looksLikeOneJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
