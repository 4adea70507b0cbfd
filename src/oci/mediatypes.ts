import type { Descriptor } from '../schema/index.js';

// Spec: https://github.com/opencontainers/image-spec/blob/main/media-types.md
// The manifest media types Cairn reads and writes, and the Accept header that asks for all of
// them (registry 2.8.2 answers 404 for an OCI index unless the Accept lists it).

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

/**
 * Layer media types an image may have: the six OCI tar types (the non-distributable ones are
 * deprecated but must still be read) and Docker's two gzip types.
 * Spec: https://github.com/opencontainers/image-spec/blob/main/layer.md
 */
export const LAYER_MEDIA_TYPES: readonly string[] = [
  'application/vnd.oci.image.layer.v1.tar',
  OCI_LAYER_GZIP,
  'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
];

/** True for a layer media type (OCI or Docker). */
export function isLayerMediaType(mediaType: string): boolean {
  return LAYER_MEDIA_TYPES.includes(mediaType);
}

/** True for an image configuration (as opposed to an artifact's config). */
export function isImageConfigType(mediaType: string): boolean {
  return mediaType === OCI_CONFIG || mediaType === DOCKER_CONFIG;
}

/** Every manifest type Cairn understands, best first: the Accept header for manifest GETs. */
export const MANIFEST_ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST].join(', ');

/** The empty JSON blob `{}`: the config of an artifact that has no config. Spec: manifest.md#guidance-for-an-empty-descriptor */
export const EMPTY_DESCRIPTOR: Descriptor = {
  mediaType: OCI_EMPTY,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  data: 'e30=',
};
/** The bytes of the empty blob. */
export const EMPTY_BYTES = Buffer.from('{}');

/** True for an image manifest media type (OCI or Docker v2). */
export function isImageManifestType(mediaType: string): boolean {
  return mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST;
}

/** True for an index media type (OCI index or Docker manifest list). */
export function isIndexType(mediaType: string): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_LIST;
}

/** True for anything a registry serves under /manifests/ rather than /blobs/. */
export function isManifestType(mediaType: string): boolean {
  return isImageManifestType(mediaType) || isIndexType(mediaType);
}
