import type { PrivateKey } from '../crypto/index.js';
import type { MetadataFormat } from '../intoto/index.js';
import { recordStart, recordStop, runStep, writeSignedLink, type StepOptions, type WrittenLink } from '../run/index.js';
import type { Link } from '../intoto/index.js';

// A step of the supply chain, recorded (in-toto-run, in-toto-record): materials hashed, the
// command run, products hashed, the link signed and written under in-toto's file name.

export type { StepOptions, WrittenLink, MetadataFormat };

/** Runs a step and writes its signed link into `dir`. */
export async function runAndSignStep(o: StepOptions & { key: PrivateKey; format: MetadataFormat; dir: string }): Promise<WrittenLink & { link: Link }> {
  const link = await runStep(o);
  return { ...(await writeSignedLink(link, o.key, o.format, o.dir)), link };
}

/** in-toto-record start: hashes the materials into an unfinished link; returns its path. */
export function startRecording(o: StepOptions & { key: PrivateKey; dir: string }): Promise<string> {
  return recordStart(o, o.key, o.dir);
}

/** in-toto-record stop: hashes the products and writes the signed link. */
export function finishRecording(o: StepOptions & { key: PrivateKey; format: MetadataFormat; dir: string }): Promise<WrittenLink> {
  return recordStop(o, o.key, o.format, o.dir);
}
