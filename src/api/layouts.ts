import { basename } from 'node:path';
import { CairnError } from '../errors.js';
import type { PrivateKey } from '../crypto/index.js';
import { decodeBase64, parseJson, parseJsonExact, prettySortedJson } from '../encoding/index.js';
import { readSignedDocument, serializeDocument, toSignedDocument, type MetadataFormat } from '../intoto/index.js';
import { writeFileAtomic } from '../disk/index.js';
import { resolveReference } from '../oci/index.js';
import { pullLayout, pushLayout } from '../attest/index.js';
import { checkLayout, checkLayoutAttributes, layoutSkeleton, parseExpiry, signLayout, type LayoutProblem, type SkeletonStep } from '../author/index.js';
import { openRef, withStores, type StoreAccess } from './access.js';
import { diskReader, type FileReader } from './files.js';

// Layouts as files and as registry artifacts: write a skeleton, sign, check statically, read
// the body of any form (Metablock, DSSE, bare), push under a tag, pull by reference.

export type { LayoutProblem, SkeletonStep };
export { parseExpiry };

/** The layout body of a file holding a Metablock, a DSSE envelope or a bare layout; and its signature count. */
export function readLayoutBody(file: string, read: FileReader = diskReader, exact = false): { body: unknown; signatures: number } {
  const text = read(file).toString('utf8');
  const json = exact ? parseJsonExact(text, file) : parseJson(text, file);
  if (json && typeof json === 'object' && (json as Record<string, unknown>)['_type'] === 'layout') return { body: json, signatures: 0 };
  const doc = toSignedDocument(json, file);
  const body = doc.format === 'legacy' ? doc.metablock.signed : parseJson(decodeBase64(doc.envelope.payload, file), `${file}: payload`);
  return { body, signatures: doc.format === 'legacy' ? doc.metablock.signatures.length : doc.envelope.signatures.length };
}

/** A JSON file (a report to draw, a predicate), parsed with its location in errors. */
export function readJsonFile(file: string, read: FileReader = diskReader): unknown {
  return parseJson(read(file).toString('utf8'), file);
}

/** Writes a text file atomically (never half-written). */
export function writeTextFile(file: string, text: string): void {
  writeFileAtomic(file, text);
}

/** Writes an editable, unsigned layout skeleton (with the image inspection unless `image` is false). */
export function writeLayoutSkeleton(o: { out: string; steps: SkeletonStep[]; expires: string; readme?: string; image?: boolean; overwrite?: boolean }): void {
  const layout = layoutSkeleton({ steps: o.steps, expires: parseExpiry(o.expires), readme: o.readme ?? '', image: o.image !== false });
  writeFileAtomic(o.out, prettySortedJson({ signatures: [], signed: layout }), { overwrite: Boolean(o.overwrite) });
}

/** Signs the layout in `file` and writes it to `out` (default: `file`). */
export async function signLayoutFile(o: { file: string; out?: string; keys: PrivateKey[]; format?: MetadataFormat; expires?: string; force?: boolean; read?: FileReader }) {
  const json = parseJsonExact((o.read ?? diskReader)(o.file).toString('utf8'), o.file);
  const signed = await signLayout(json, o.keys, {
    ...(o.format ? { format: o.format } : {}),
    ...(o.expires !== undefined ? { expires: parseExpiry(o.expires) } : {}),
    force: Boolean(o.force),
    where: o.file,
  });
  const out = o.out ?? o.file;
  writeFileAtomic(out, serializeDocument(signed.document));
  const doc = signed.document;
  const signatures = doc.format === 'legacy' ? doc.metablock.signatures.length : doc.envelope.signatures.length;
  return { out, format: doc.format, signatures, warnings: signed.warnings };
}

/** Checks a layout file statically (rules, names, keys, thresholds, dates, attribute rules); errors first. */
export async function checkLayoutFile(file: string, read: FileReader = diskReader): Promise<{ body: unknown; signatures: number; problems: LayoutProblem[] }> {
  const { body, signatures } = readLayoutBody(file, read, true);
  const all = [...checkLayout(body), ...(await checkLayoutAttributes(body))];
  return { body, signatures, problems: [...all.filter((p) => p.severity === 'error'), ...all.filter((p) => p.severity === 'warning')] };
}

/** Pushes a signed layout file under a tag (default `latest`); returns the digest to pin. */
export async function pushLayoutFile(o: StoreAccess & { file: string; reference: string; read?: FileReader }): Promise<{ digest: string; location: string; tag: string }> {
  const bytes = (o.read ?? diskReader)(o.file);
  const doc = readSignedDocument(bytes, o.file);
  const { ref, store } = await openRef(o.reference, o, true);
  return withStores([store], async () => {
    if (ref.digest) throw new CairnError('INVALID_ARGUMENT', 'push to a tag, not a digest (the digest is printed)', { where: o.reference });
    const tag = ref.tag ?? 'latest';
    const desc = await pushLayout(store, doc, bytes, tag, basename(o.file), o.file);
    return { digest: desc.digest, location: store.location, tag };
  });
}

/** Pulls a layout pushed by pushLayoutFile (every byte checked against its digest) into `out` (default: its pushed name). */
export async function pullLayoutFile(o: StoreAccess & { reference: string; out?: string }): Promise<{ digest: string; location: string; file: string; format: 'legacy' | 'dsse' }> {
  const { ref, store } = await openRef(o.reference, o);
  return withStores([store], async () => {
    const desc = await resolveReference(store, ref);
    const pulled = await pullLayout(store, desc);
    const file = o.out ?? basename(pulled.title ?? 'root.layout');
    writeFileAtomic(file, pulled.bytes);
    return { digest: desc.digest, location: store.location, file, format: pulled.document.format };
  });
}
