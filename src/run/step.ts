import { mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CairnError, fsError } from '../errors.js';
import { recordArtifactsParallel, type FileResolverOptions } from '../artifacts/index.js';
import { readInputText, writeFileAtomic } from '../disk/index.js';
import { keyVerifier, type PrivateKey } from '../crypto/index.js';
import {
  linkFileName,
  makeLink,
  metablockSigners,
  readSignedDocument,
  serializeDocument,
  signLink,
  signMetablock,
  type Link,
  type MetadataFormat,
  type RawMetablock,
  type SignedDocument,
} from '../intoto/index.js';
import { LinkSchema, parseWith } from '../schema/index.js';
import { execCommand, type ExecOptions } from './exec.js';

// `cairn run` and `cairn record`: in-toto-run and in-toto-record. Materials are hashed before the
// command runs, products after; the link is signed and written atomically, named as in-toto
// names it so that in-toto-verify finds it.

export interface StepOptions extends FileResolverOptions, ExecOptions {
  name: string;
  materials?: string[];
  products?: string[];
  /** The command to run; empty or absent records without running anything (`--no-command`). */
  command?: string[];
}

/** Records materials, runs the command, records products; returns the unsigned link. */
export async function runStep(options: StepOptions): Promise<Link> {
  const materials = await recordArtifactsParallel(options.materials ?? [], options);
  const command = options.command ?? [];
  const byproducts = command.length > 0 ? await execCommand(command, options) : {};
  const products = await recordArtifactsParallel(options.products ?? [], options);
  return makeLink({ name: options.name, command, materials, products, byproducts, environment: {} });
}

export interface WrittenLink {
  path: string;
  document: SignedDocument;
}

/** Signs a link with one key and writes it into `dir` under in-toto's file name. */
export async function writeSignedLink(link: Link, key: PrivateKey, format: MetadataFormat, dir = '.'): Promise<WrittenLink> {
  const document = await signLink(link, [key], format);
  makeDir(dir);
  const path = join(dir, linkFileName(link.name, key.publicKey.keyId, format));
  writeFileAtomic(path, serializeDocument(document));
  return { path, document };
}

/** in-toto-record's hidden file for a started step: `.<step>.<keyid[:8]>.link-unfinished`. */
export function unfinishedLinkName(step: string, keyId: string): string {
  return `.${step}.${keyId.slice(0, 8)}.link-unfinished`;
}

/** `record start`: hashes materials and writes a signed unfinished link. */
export async function recordStart(options: StepOptions, key: PrivateKey, dir = '.'): Promise<string> {
  const link = makeLink({ name: options.name, materials: await recordArtifactsParallel(options.materials ?? [], options) });
  makeDir(dir);
  const path = join(dir, unfinishedLinkName(options.name, key.publicKey.keyId));
  writeFileAtomic(path, serializeDocument({ format: 'legacy', metablock: signMetablock(link as unknown as Record<string, unknown>, [key]) }));
  return path;
}

/** `record stop`: checks the unfinished link's signature, hashes products, writes the final link. */
export async function recordStop(options: StepOptions, key: PrivateKey, format: MetadataFormat, dir = '.'): Promise<WrittenLink> {
  const path = join(dir, unfinishedLinkName(options.name, key.publicKey.keyId));
  const doc = readSignedDocument(readInputText(path), path);
  if (doc.format !== 'legacy' || metablockSigners(doc.metablock as RawMetablock, [keyVerifier(key.publicKey)]).length === 0) {
    throw new CairnError('SIGNATURE_INVALID', 'the unfinished link is not signed by this key', { where: path });
  }
  const started = parseWith(LinkSchema, doc.metablock.signed, path);
  if (started.name !== options.name) throw new CairnError('SCHEMA_INVALID', `the unfinished link is for step ${JSON.stringify(started.name)}`, { where: path });
  const link = makeLink({ ...started, products: await recordArtifactsParallel(options.products ?? [], options) });
  const written = await writeSignedLink(link, key, format, dir);
  try {
    unlinkSync(path);
  } catch (err) {
    throw fsError(err, path, 'cannot remove');
  }
  return written;
}

function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw fsError(err, dir, 'cannot create directory');
  }
}
