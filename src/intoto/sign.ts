import { keySigner, type PrivateKey } from '../crypto/index.js';
import { INTOTO_PAYLOAD_TYPE, signEnvelope } from '../dsse/index.js';
import type { Link, Statement } from '../schema/index.js';
import type { SignedDocument } from './document.js';
import { linkToStatement } from './link.js';
import { signMetablock } from './metablock.js';

/** How a link or layout is signed: in-toto 0.9 Metablock, or DSSE. */
export type MetadataFormat = 'legacy' | 'dsse';

/** Signs a link: a Metablock over the link itself, or DSSE over a link v0.3 Statement. */
export async function signLink(link: Link, keys: PrivateKey[], format: MetadataFormat): Promise<SignedDocument> {
  if (format === 'legacy') return { format, metablock: signMetablock(link as unknown as Record<string, unknown>, keys) };
  return signStatement(linkToStatement(link), keys);
}

/** Signs any in-toto Statement as a DSSE envelope. */
export async function signStatement(statement: Statement, keys: PrivateKey[]): Promise<SignedDocument> {
  const payload = Buffer.from(JSON.stringify(statement), 'utf8');
  return { format: 'dsse', envelope: await signEnvelope(INTOTO_PAYLOAD_TYPE, payload, keys.map(keySigner)) };
}

/**
 * The file name of a link: `<step>.<keyid[:8]>.link` for Metablocks (the name in-toto-verify
 * looks for) and `<step>.<keyid[:8]>.intoto.jsonl` for DSSE (an in-toto bundle of one envelope).
 */
export function linkFileName(step: string, keyId: string, format: MetadataFormat): string {
  return `${step}.${keyId.slice(0, 8)}.${format === 'legacy' ? 'link' : 'intoto.jsonl'}`;
}
