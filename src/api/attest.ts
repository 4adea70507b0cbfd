import { CairnError } from '../errors.js';
import { parseJson } from '../encoding/index.js';
import type { PrivateKey } from '../crypto/index.js';
import { signStatement, type SignedDocument } from '../intoto/index.js';
import { resolveReference, type AddReferrerOptions } from '../oci/index.js';
import { attach, imageStatement, predicateTypeOf, prepareAttach, readAttachInputs } from '../attest/index.js';
import type { Digest } from '../digest/index.js';
import { openRef, withStores, type StoreAccess } from './access.js';
import { repositoryOf } from './reference.js';
import { diskReader, type FileReader } from './files.js';

// Evidence next to an image: `attest` signs a predicate about the image and pushes it as a
// referrer; `attach` pushes documents already signed (links, DSSE envelopes, bundles). The
// subject is resolved once; everything after is addressed by its digest.

/** How referrers are written (see docs/registry.md) and whether a duplicate is pushed again. */
export interface AttachWriteOptions {
  force?: boolean;
  referrer?: AddReferrerOptions;
}

/** One referrer pushed (or found already there). */
export interface AttachedReferrer {
  readonly source?: string;
  readonly referrer: string;
  readonly existing: boolean;
}

/** Signs `predicate` (of `predicateType`: a URI or a short name) about `subject` and attaches it. */
export async function attestImage(o: AttachWriteOptions & StoreAccess & {
  subject: string;
  predicateType: string;
  /** The predicate file (JSON). */
  predicatePath: string;
  keys: readonly PrivateKey[] | (() => Promise<readonly PrivateKey[]>);
  step?: string;
  readFile?: FileReader;
}): Promise<{ subject: string; referrer: string; existing: boolean; predicateType: string }> {
  const predicateType = predicateTypeOf(o.predicateType);
  const predicate = parseJson((o.readFile ?? diskReader)(o.predicatePath).toString('utf8'), o.predicatePath);
  const { ref, store } = await openRef(o.subject, o);
  return withStores([store], async () => {
    // the first requests go out now; the keys load while they are answered (a key error still wins)
    const resolving = Promise.all([resolveReference(store, ref), ref.kind === 'registry' ? prepareAttach(store) : undefined]);
    resolving.catch(() => undefined);
    const keys = typeof o.keys === 'function' ? await o.keys() : o.keys;
    const [subject] = await resolving;
    const statement = imageStatement(repositoryOf(ref), subject.digest as Digest, predicateType, predicate, o.predicatePath);
    const doc = await signStatement(statement, [...keys]);
    const r = await attach(store, subject, doc, { step: o.step, force: Boolean(o.force), ...(o.referrer ? { referrer: o.referrer } : {}) });
    return { subject: subject.digest, referrer: r.descriptor.digest, existing: r.existing, predicateType };
  });
}

/** Attaches every signed document in `files` to `subject`, in order. */
export async function attachFiles(o: AttachWriteOptions & StoreAccess & { subject: string; files: readonly string[]; step?: string; onAttached?: (r: AttachedReferrer) => void }): Promise<{ subject: string; referrers: AttachedReferrer[] }> {
  const inputs = o.files.flatMap((f) => readAttachInputs(f));
  if (inputs.length === 0) throw new CairnError('INVALID_ARGUMENT', 'give at least one file to attach');
  const { ref, store } = await openRef(o.subject, o);
  return withStores([store], async () => {
    const [subject] = await Promise.all([resolveReference(store, ref), ref.kind === 'registry' ? prepareAttach(store) : undefined]);
    const referrers: AttachedReferrer[] = [];
    for (const input of inputs) {
      const r = await attach(store, subject, input.document, { bytes: input.bytes, step: o.step, force: Boolean(o.force), ...(o.referrer ? { referrer: o.referrer } : {}) }, input.source);
      const done = { source: input.source, referrer: r.descriptor.digest, existing: r.existing };
      o.onAttached?.(done);
      referrers.push(done);
    }
    return { subject: subject.digest, referrers };
  });
}

/** Attaches one signed document (a link just written) to `subject`. */
export async function attachDocument(o: AttachWriteOptions & StoreAccess & { subject: string; document: SignedDocument }): Promise<{ subject: string; referrer: string; location: string }> {
  const { ref, store } = await openRef(o.subject, o);
  return withStores([store], async () => {
    const subject = await resolveReference(store, ref);
    const r = await attach(store, subject, o.document, { force: Boolean(o.force), ...(o.referrer ? { referrer: o.referrer } : {}) });
    return { subject: subject.digest, referrer: r.descriptor.digest, location: store.location };
  });
}
