// The wire format of Cairn's evidence in registries, in one place: the verifier filters
// referrers by these artifact types and annotations without fetching any blob.
// Documented in docs/registry.md ("Artifact format").

/** artifactType of every in-toto evidence artifact (DSSE attestations and legacy links). */
export const EVIDENCE_ARTIFACT_TYPE = 'application/vnd.in-toto+json';
/** artifactType of a signed layout pushed by `cairn layout push`. */
export const LAYOUT_ARTIFACT_TYPE = 'application/vnd.cairn.layout.v1+json';

/** Layer holding one DSSE envelope (JSON), as cosign and the DSSE spec name it. */
export const DSSE_ENVELOPE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
/** Layer holding a legacy in-toto link Metablock (`{"signed":{"_type":"link"},...}`), stored as is. */
export const LINK_METABLOCK_MEDIA_TYPE = 'application/vnd.in-toto.link+json';
/** Layer holding a legacy in-toto layout Metablock, stored as is. */
export const LAYOUT_METABLOCK_MEDIA_TYPE = 'application/vnd.in-toto.layout+json';

/** The predicate type of a Statement (BuildKit's key, so other tools can filter too). */
export const ANNOTATION_PREDICATE_TYPE = 'in-toto.io/predicate-type';
/** The in-toto step (link name) the evidence is for. */
export const ANNOTATION_STEP = 'dev.cairn.step';
/** Comma-separated keyids of the signatures (unauthenticated hints). */
export const ANNOTATION_KEYIDS = 'dev.cairn.keyids';
/** `dsse` or `metablock`. */
export const ANNOTATION_FORMAT = 'dev.cairn.format';
/** What the signed body is: `statement`, `link` or `layout`. */
export const ANNOTATION_KIND = 'dev.cairn.kind';
/** Digest of the layer (the signed document), so that duplicates are found without a fetch. */
export const ANNOTATION_CONTENT_DIGEST = 'dev.cairn.content.digest';
/** OCI's creation time annotation. */
export const ANNOTATION_CREATED = 'org.opencontainers.image.created';
/** OCI's title annotation (the layout's file name). */
export const ANNOTATION_TITLE = 'org.opencontainers.image.title';

/** Largest signed document (layer) Cairn reads back from a store. */
export const MAX_EVIDENCE_BYTES = 64 * 1024 * 1024;
