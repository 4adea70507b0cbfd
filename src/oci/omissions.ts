import type { Descriptor } from '../schema/index.js';
import { OciLayoutStore } from './layout/store.js';
import { childrenOf, type ManifestNode } from './manifest.js';
import { isManifestType } from './mediatypes.js';
import type { ReadOnlyStore } from './store.js';

// What a copy out of an OCI image layout may find missing, and carry on without. The spec lets
// a layout omit any blob ("The blobs directory MAY be missing referenced blobs, in which case
// the missing blobs SHOULD be fulfilled by an external blob store", image-spec
// image-layout.md#blobs), but a copy that silently drops content would hand an incomplete image
// on, so only what tools are known to leave out is tolerated:
// - non-distributable layers (OCI `…layer.nondistributable.*`, Docker's `…foreign.diff.tar.gzip`:
//   Windows base layers), which registries and skopeo do not carry; clients fetch them from the
//   descriptor's `urls` (image-spec layer.md#non-distributable-layers, descriptor.md#properties);
// - manifests an index lists that are not there at all: the other platforms and their BuildKit
//   attestation manifests, left out by `docker save --platform` and `skopeo copy --multi-arch
//   index-only` (which writes the index alone: then every manifest is reported omitted).
// Everything else must be there: a config, a distributable layer, any part of a manifest that is
// there, a referrer and its blobs, and anything from a registry (which must serve what it lists).

/** Something the source layout lacks that the copy went on without. */
export interface Omission {
  readonly digest: string;
  readonly mediaType: string;
  readonly why: string;
}

const NON_DISTRIBUTABLE = new Set([
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
]);

/** Why `child` of `node` may be absent from an OCI layout, or undefined if it must be there. */
export function mayBeOmitted(node: ManifestNode, child: Descriptor): string | undefined {
  if (node.kind === 'index') return isManifestType(child.mediaType) ? 'listed by the index but not in the source layout (another platform, or its attestation manifest)' : undefined;
  if (child === node.manifest.config) return undefined;
  return NON_DISTRIBUTABLE.has(child.mediaType) ? `a non-distributable layer, not in the source layout (clients fetch it from ${child.urls?.length ? 'its urls' : 'elsewhere'})` : undefined;
}

/** The children of `node` to copy from `src`: all, but those a layout may omit and lacks (added to `omitted`). */
export async function childrenToCopy(src: ReadOnlyStore, node: ManifestNode, omitted: Omission[]): Promise<Descriptor[]> {
  const children = childrenOf(node);
  if (!(src instanceof OciLayoutStore)) return children;
  const kept: Descriptor[] = [];
  for (const child of children) {
    const why = mayBeOmitted(node, child);
    if (why !== undefined && !(await src.exists(child))) omitted.push({ digest: child.digest, mediaType: child.mediaType, why });
    else kept.push(child);
  }
  return kept;
}
