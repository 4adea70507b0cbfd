import { CairnError, isCairnError, type ErrorCode } from '../errors.js';
import { keyVerifier, type PublicKey } from '../crypto/index.js';
import { verifyDocument, type SignedDocument } from '../intoto/index.js';
import { describeOrigin, openEvidence, type EvidenceItem, type EvidenceOrigin, type EvidenceProvenance, type OpenedEvidence } from '../evidence/index.js';
import { isIntotoPayloadType, readEvidenceBody, type EvidenceBody } from './payload.js';
import { vouchedBody } from './vouch.js';
import { packIndex, type IndexStore, type PackedIndex } from './packed-index.js';

// The heavy half of judging a candidate, which needs nothing of the step but its keys: read
// the file, check every signature against the keys offered, and read the signed body. The same
// code runs on the main thread and on the worker threads of ExaminePool; a worker hands back
// only plain data (signers by fingerprint, a link's artifacts packed: packed-index.ts), and anything
// less common (a sublayout, a Statement of another predicate) is examined on the main thread.
// The body is read only from the bytes the signatures were checked over (verifyDocument), and
// steps.ts counts nothing that no offered key signed.

/**
 * One candidate after its signatures were checked: the item's provenance, with signers and a
 * body instead of bytes. Not an EvidenceItem: it may exist without its document (examined on a
 * worker), and its body is read lazily, only for a candidate someone authorised signed.
 */
export interface Examined extends EvidenceProvenance {
  /** The document; absent when a worker examined it (then the body is a link). */
  readonly document?: SignedDocument;
  /** Why it could not be read, parsed or checked; then nothing else is set. */
  readonly unreadable?: string;
  /** Fingerprints of the offered keys with a valid signature, in the order found. */
  readonly signers: readonly string[];
  /** For DSSE: the payloadType that was signed over. */
  readonly payloadType?: string;
  /** The signed body as evidence; throws a CairnError when it is not well-formed. */
  body(): EvidenceBody;
}

const unread = (): never => {
  throw new CairnError('INTERNAL', 'the body of an unreadable candidate was asked for');
};

// What an item says about where it came from, carried over to its examination.
function provenance(item: EvidenceItem): Pick<Examined, 'ignoreIfBroken' | 'boundTo' | 'namedFor' | 'keyless'> {
  const { ignoreIfBroken, boundTo, namedFor, keyless } = item;
  return { ...(ignoreIfBroken ? { ignoreIfBroken } : {}), ...(boundTo ? { boundTo } : {}), ...(namedFor !== undefined ? { namedFor } : {}), ...(keyless ? { keyless } : {}) };
}

/** Examines one opened candidate on this thread (a link's strings kept through `pool`, if given). */
export function examineOpened(item: OpenedEvidence, keys: readonly PublicKey[], pool?: IndexStore): Examined {
  const { origin } = item;
  const base = { origin, ...provenance(item) };
  if (item.error) return { ...base, unreadable: item.error.message, signers: [], body: unread };
  let verified;
  try {
    verified = verifyDocument(item.document, keys.map(keyVerifier), describeOrigin(origin));
  } catch (err) {
    if (!isCairnError(err)) throw err;
    return { ...base, document: item.document, unreadable: err.message, signers: [], body: unread };
  }
  const body = verified.body;
  const vouched = item.vouchesFor;
  return {
    ...base,
    document: item.document,
    signers: verified.signers.map((k) => k.fingerprint),
    ...(verified.payloadType !== undefined ? { payloadType: verified.payloadType } : {}),
    // An envelope vouching for an unsigned Statement offers that Statement (vouch.ts).
    body: () => (vouched ? vouchedBody(body, vouched, describeOrigin(origin)) : readEvidenceBody(body, describeOrigin(origin), pool)),
  };
}

/** Examines an item (reading its file first, if it has not been read) on this thread. */
export function examineItem(item: EvidenceItem, keys: readonly PublicKey[], pool?: IndexStore): Examined[] {
  return openEvidence(item).map((opened) => examineOpened(opened, keys, pool));
}

type LinkBody = EvidenceBody & { kind: 'link' };

/** A link body as it crosses threads: its artifacts packed. */
export type WireLink = Omit<LinkBody, 'materials' | 'products'> & { materials: PackedIndex; products: PackedIndex };

/**
 * What a worker sends back for one document: Examined as plain data (a structured clone copies
 * no function and the document stays on the worker), so the body is read eagerly there.
 */
export type WireExamined = {
  origin: EvidenceOrigin;
  unreadable?: string;
  signers: string[];
  payloadType?: string;
  /** Set when the body was needed: a link, or why the body is not evidence. */
  body?: WireLink;
  bodyError?: { code: ErrorCode; message: string };
};

/**
 * The worker's side: examines an item and reads the body wherever steps.ts will need it (a
 * signer, and an in-toto payload type). Undefined when a body is not a link: the main thread
 * examines that item itself. The main thread runs it too (and unpacks what it packed: that is
 * how a list another link already has is found, and kept once).
 */
export function examineForWire(item: EvidenceItem, keys: readonly PublicKey[]): WireExamined[] | undefined {
  const out: WireExamined[] = [];
  for (const ex of examineItem(item, keys)) {
    const w: WireExamined = { origin: ex.origin, signers: [...ex.signers] };
    if (ex.unreadable !== undefined) w.unreadable = ex.unreadable;
    if (ex.payloadType !== undefined) w.payloadType = ex.payloadType;
    if (ex.unreadable === undefined && ex.signers.length > 0 && (ex.payloadType === undefined || isIntotoPayloadType(ex.payloadType))) {
      try {
        const body = ex.body();
        if (body.kind !== 'link') return undefined;
        w.body = { ...body, materials: packIndex(body.materials), products: packIndex(body.products) };
      } catch (err) {
        if (!isCairnError(err)) throw err;
        w.bodyError = { code: err.code, message: err.message };
      }
    }
    out.push(w);
  }
  return out;
}

/**
 * The main thread's side: a worker's answer as Examined, with the item's provenance. A link's
 * artifacts are unpacked when its body is first asked for, their strings through `pool`.
 */
export function fromWire(item: EvidenceItem, w: WireExamined, pool: IndexStore): Examined {
  const base = { origin: w.origin, ...provenance(item) };
  if (w.unreadable !== undefined) return { ...base, unreadable: w.unreadable, signers: [], body: unread };
  const { bodyError, origin } = w; // the closure below must not hold `w` (its packed text)
  let wire = w.body;
  let body: LinkBody | undefined;
  return {
    ...base,
    signers: w.signers,
    ...(w.payloadType !== undefined ? { payloadType: w.payloadType } : {}),
    body: () => {
      if (wire) {
        body = { ...wire, materials: pool.unpack(wire.materials), products: pool.unpack(wire.products) };
        wire = undefined; // the packed text is not kept beside the index made of it
      }
      if (body) return body;
      if (bodyError) throw new CairnError(bodyError.code, bodyError.message);
      throw new CairnError('INTERNAL', `${describeOrigin(origin)}: the worker did not read the body`);
    },
  };
}
