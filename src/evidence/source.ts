import type { CairnError } from '../errors.js';
import type { PublicKey } from '../crypto/index.js';
import type { SignedDocument, Step } from '../intoto/index.js';

// The port through which the verification engine (src/policy) gets its evidence. The engine
// never reads files or talks to registries itself: a source hands it signed documents that may
// serve a step, and the engine decides (by signature, step name and predicate type) which ones
// count. DirectoryEvidenceSource reads a link directory; a registry source plugs in the same way.

/** A key the layout authorises for a step: the keyid the layout uses for it, and the key. */
export interface AuthorisedKey {
  readonly keyId: string;
  readonly key: PublicKey;
}

/**
 * Where a candidate came from, as data: the kind of place (`store`) and what addresses it there.
 * Programs read this (a verification summary lists the referrers that counted, by digest);
 * people read describeOrigin's one line, which is also the report's `origin` string.
 */
export type EvidenceOrigin =
  /** A file of a link directory, by path. */
  | { readonly store: 'directory'; readonly path: string; readonly entry?: number }
  /** A referrer of the image verified (or of the index it was verified through), by manifest digest. */
  | { readonly store: 'referrers'; readonly digest: string; readonly onIndex: boolean; readonly entry?: number }
  /**
   * A layer of an artifact that another tool's convention attached (a Sigstore bundle, an
   * in-toto attestation of BuildKit or cosign): the convention, the artifact's manifest and the
   * layer's digest.
   */
  | { readonly store: 'ecosystem'; readonly convention: string; readonly manifest: string; readonly digest: string; readonly entry?: number; readonly vouchedBy?: EvidenceOrigin };
// `vouchedBy`: an unsigned BuildKit Statement offered with the signed envelope that vouches for it.
// `entry`: which envelope of a `.intoto.jsonl` bundle, when it holds more than one.

/** The origin as one line: `build.1234abcd.link`, `referrer sha256:... (on the index)`, `buildkit-... sha256:... layer sha256:...`. */
export function describeOrigin(o: EvidenceOrigin): string {
  const name =
    o.store === 'directory' ? o.path
    : o.store === 'referrers' ? `referrer ${o.digest}${o.onIndex ? ' (on the index)' : ''}`
    : `${o.convention} ${o.manifest} layer ${o.digest}${o.vouchedBy ? `, vouched for by ${describeOrigin(o.vouchedBy)}` : ''}`;
  return o.entry === undefined ? name : `${name}[${o.entry}]`;
}

/** What every evidence item may say about its provenance (carried on to its examination). */
export interface EvidenceProvenance {
  readonly origin: EvidenceOrigin;
  /**
   * Set by sources anyone may write to (registry referrers): a candidate that cannot be read or
   * verified is reported and ignored instead of failing its step, so that an attacker who can
   * push garbage next to an image cannot block verification with it. It is never counted.
   */
  readonly ignoreIfBroken?: boolean;
  /**
   * Digests the evidence must be about: a Statement other than a link counts only if one of its
   * subjects has one of these sha256 digests (the image verified, or the index it belongs to).
   */
  readonly boundTo?: readonly string[];
  /**
   * The keyid prefix a link file's name gives (`<step>.<keyid[:8]>.link`): the file counts only
   * for a functionary known by a keyid starting so, as in-toto 1.3.1 verifies a file with the key
   * its name names. Unset where names carry no keyid (registry referrers).
   */
  readonly namedFor?: string;
  /**
   * Set for a keyless Sigstore bundle that verified against the user's trusted root: the
   * certificate's identity, and its key (which signed the envelope). A step whose
   * certificate_identities the identity meets counts it as signed by that identity.
   */
  readonly keyless?: { readonly identity: { readonly subjectAlternativeName?: string; readonly issuer?: string }; readonly publicKeyPem: string };
  /**
   * Set when `document` is a signed envelope vouching for an unsigned Statement (BuildKit's): the
   * candidate is that Statement, and it counts as signed by the envelope's signers only if the
   * envelope's own Statement has the same predicateType and a subject naming one of `pinnedBy`
   * (the attestation manifest's digest, or the Statement blob's): both pin the Statement's bytes.
   */
  readonly vouchesFor?: { readonly statement: Uint8Array; readonly pinnedBy: readonly string[] };
}

/** A file of signed documents not read yet: one document, or a `.intoto.jsonl` bundle of envelopes. */
export interface UnopenedEvidence {
  readonly path: string;
  readonly bundle: boolean;
  /** Its size when listed (files of 1 MiB and more are worth a worker thread). */
  readonly size: number;
}

/** A signed document that may be evidence for a step, and where it came from (for the report). */
export type EvidenceItem =
  | (EvidenceProvenance & { readonly document: SignedDocument; readonly error?: undefined; readonly unopened?: undefined })
  /** A candidate that could not be read or parsed; the step it was found for fails (unless ignoreIfBroken). */
  | (EvidenceProvenance & { readonly document?: undefined; readonly error: CairnError; readonly unopened?: undefined })
  /**
   * A file found for the step but not read yet, so that the engine can read, parse and check
   * big links on worker threads; openEvidence turns it into the items above (on any thread).
   */
  | (EvidenceProvenance & { readonly document?: undefined; readonly error?: undefined; readonly unopened: UnopenedEvidence });

/** An item that has been read: a document or an error (the same shape, less the unread case). */
export type OpenedEvidence = Exclude<EvidenceItem, { readonly unopened: UnopenedEvidence }>;

/** Where the evidence for a layout's steps comes from. */
export interface EvidenceSource {
  /**
   * Every document that may be evidence for `step`. `authorised` are the keys the layout
   * authorises for it; a source may use them to find documents (file names carry keyid
   * prefixes) but need not filter by them: the engine checks signatures itself.
   */
  candidatesFor(step: Step, authorised: readonly AuthorisedKey[]): Promise<EvidenceItem[]>;
  /**
   * The steps of the layout about to be verified with this source, announced before any
   * candidatesFor: a source that lists (registry referrers) can list once for all of them.
   */
  expect?(steps: readonly Step[]): void;
  /** The evidence of a sublayout that `functionary` signed as its link for `step`. */
  forSublayout(step: Step, functionary: AuthorisedKey): EvidenceSource;
  /** A short description for reports, e.g. the link directory. */
  readonly description: string;
}
