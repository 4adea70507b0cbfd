import type { Descriptor, Manifest } from '../../schema/index.js';
import { ANNOTATION_PREDICATE_TYPE, DSSE_ENVELOPE_MEDIA_TYPE, EVIDENCE_ARTIFACT_TYPE, LINK_METABLOCK_MEDIA_TYPE, LAYOUT_METABLOCK_MEDIA_TYPE } from '../mediatypes.js';

// How each tool of the ecosystem stores evidence about an image, in one place. Sources:
// cosign specs/SIGNATURE_SPEC.md, ATTESTATION_SPEC.md, BUNDLE_SPEC.md, pkg/oci/layout/index.go;
// BuildKit docs/attestations/attestation-storage.md; notation's signature-specification.md;
// oras `attach`. docs/registry.md has the table "what Cairn reads from which tool".

/** Who wrote a piece of evidence, told from the manifest (never from a listing alone). */
export type Convention =
  | 'cairn'
  | 'cosign-attestation'
  | 'cosign-signature'
  | 'sigstore-bundle'
  | 'buildkit-attestation'
  | 'notation-signature'
  | 'oras-artifact';

/** How an item was found. */
export type FoundBy = 'referrers-api' | 'referrers-tag' | 'oci-layout' | 'cosign-tag' | 'cosign-save' | 'image-index';

// cosign
export const COSIGN_SIMPLESIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const COSIGN_CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
export const COSIGN_PREDICATE_ANNOTATION = 'predicateType';
/** `cosign save` marks the index.json entries of an OCI layout with these `kind` values. */
export const COSIGN_KIND = 'kind';
export const COSIGN_KIND_IMAGE = 'dev.cosignproject.cosign/image';
export const COSIGN_KIND_INDEX = 'dev.cosignproject.cosign/imageIndex';
export const COSIGN_KIND_SIGS = 'dev.cosignproject.cosign/sigs';
export const COSIGN_KIND_ATTS = 'dev.cosignproject.cosign/atts';
/** cosign's tags: `sha256-<hex>.att` and `.sig` in the image's repository. */
export function cosignTag(subject: string, suffix: 'att' | 'sig'): string {
  return `${subject.replace(':', '-')}.${suffix}`;
}

// Sigstore bundles as referrers (cosign BUNDLE_SPEC.md, sigstore-js, GitHub's actions/attest).
// The names are here, not in src/sigstore, so that telling a bundle from other evidence does not
// load the Sigstore libraries (attest and attach never need them).
/** Media type of a v0.3 bundle: the artifactType and layer media type of its OCI referrer. */
export const SIGSTORE_BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** Any bundle media type (v0.1, v0.2, v0.3 and the legacy spelling of v0.3). */
export const SIGSTORE_BUNDLE_RE = /^application\/vnd\.dev\.sigstore\.bundle(?:\.v0\.3)?\+json(?:;version=0\.[123])?$/;
export const SIGSTORE_BUNDLE_PREDICATE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
export const SIGSTORE_BUNDLE_CONTENT_ANNOTATION = 'dev.sigstore.bundle.content';

// BuildKit
export const BUILDKIT_REFERENCE_TYPE = 'vnd.docker.reference.type';
export const BUILDKIT_REFERENCE_DIGEST = 'vnd.docker.reference.digest';
export const BUILDKIT_ATTESTATION_MANIFEST = 'attestation-manifest';
/** The layer media type of a BuildKit attestation blob: a bare in-toto Statement, unsigned. */
export const INTOTO_STATEMENT_LAYER = 'application/vnd.in-toto+json';

// notation
export const NOTATION_ARTIFACT_TYPE = 'application/vnd.cncf.notary.signature';
export const NOTATION_JWS = 'application/jose+json';
export const NOTATION_COSE = 'application/cose';

/** True for an index entry that BuildKit wrote for the attestations of one platform manifest. */
export function isBuildkitAttestationEntry(d: Descriptor): boolean {
  return d.annotations?.[BUILDKIT_REFERENCE_TYPE] === BUILDKIT_ATTESTATION_MANIFEST && typeof d.annotations?.[BUILDKIT_REFERENCE_DIGEST] === 'string';
}

/** The artifact type of a manifest as it says itself: artifactType, else its config media type. */
export function manifestArtifactType(m: Manifest): string {
  return m.artifactType ?? m.config.mediaType;
}

/** Which tool's layout a manifest follows, from the manifest itself and how it was found. */
export function conventionOf(m: Manifest, foundBy: FoundBy, cosignKind?: 'sigs' | 'atts'): Convention {
  const type = manifestArtifactType(m);
  const layerTypes = m.layers.map((l) => l.mediaType);
  if (foundBy === 'image-index') return 'buildkit-attestation';
  if (SIGSTORE_BUNDLE_RE.test(type) || layerTypes.some((t) => SIGSTORE_BUNDLE_RE.test(t))) return 'sigstore-bundle';
  if (type === NOTATION_ARTIFACT_TYPE) return 'notation-signature';
  if (cosignKind === 'sigs' || layerTypes.includes(COSIGN_SIMPLESIGNING)) return 'cosign-signature';
  if (cosignKind === 'atts' || (foundBy === 'cosign-tag' && layerTypes.includes(DSSE_ENVELOPE_MEDIA_TYPE))) return 'cosign-attestation';
  if (type === EVIDENCE_ARTIFACT_TYPE && m.layers.length === 1 && [DSSE_ENVELOPE_MEDIA_TYPE, LINK_METABLOCK_MEDIA_TYPE, LAYOUT_METABLOCK_MEDIA_TYPE].includes(layerTypes[0]!)) return 'cairn';
  return 'oras-artifact';
}

/** The predicate type a descriptor's annotations announce (listing, manifest or layer), if any. */
export function announcedPredicateType(d: { annotations?: Record<string, string> | undefined }): string | undefined {
  const a = d.annotations ?? {};
  return a[ANNOTATION_PREDICATE_TYPE] ?? a[SIGSTORE_BUNDLE_PREDICATE_ANNOTATION] ?? a[COSIGN_PREDICATE_ANNOTATION];
}
