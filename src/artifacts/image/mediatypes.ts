// The media types an image is made of. Layers: the six OCI tar types (the non-distributable
// ones are deprecated but must still be read) and Docker's two gzip types. Manifests, indexes
// and configs: OCI and Docker v2 schema 2, which share one shape.
// Spec: https://github.com/opencontainers/image-spec/blob/main/media-types.md,
// https://github.com/distribution/distribution/blob/main/docs/content/spec/manifest-v2-2.md

/** Layer media types Cairn flattens. */
export const LAYER_MEDIA_TYPES: readonly string[] = [
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
];

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';

/** True for a layer media type that flattening understands. */
export function isLayerMediaType(mediaType: string): boolean {
  return LAYER_MEDIA_TYPES.includes(mediaType);
}

/** True for an image manifest (OCI or Docker v2 schema 2). */
export function isImageManifestType(mediaType: string): boolean {
  return mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST;
}

/** True for an index or manifest list, which needs a platform chosen first. */
export function isIndexType(mediaType: string): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST;
}

/** True for an image configuration (as opposed to an artifact's config). */
export function isImageConfigType(mediaType: string): boolean {
  return mediaType === OCI_CONFIG || mediaType === DOCKER_CONFIG;
}
