import { resolveReference, type ReadOnlyStore } from '../oci/index.js';
import { chooseImage, flattenImage, warmLayerThread, type FlattenedImage } from '../image/index.js';
import { imageArtifactMap } from '../image-verify/index.js';
import type { Descriptor } from '../schema/index.js';
import { openRef, withStores, type StoreAccess } from './access.js';

// What the rule engine sees of an image, through the same code as verification
// (imageArtifactMap): its flattened files with their sha256, the reserved /oci/... digests and
// the /config/<Field> execution parameters; and the flattened tree itself.

/** The files of one image, as `cairn image files` lists them. */
export interface ImageFilesReport {
  readonly root: Descriptor;
  readonly pinned: boolean;
  readonly index?: Descriptor;
  readonly image: FlattenedImage;
  /** Path → digest set, as the rule engine sees the image. */
  readonly artifacts: Record<string, Record<string, string>>;
}

/** Flattens the image `reference` names (one `platform` of an index). */
export async function imageFilesOf(o: StoreAccess & { reference: string; platform?: string }): Promise<ImageFilesReport> {
  warmLayerThread(); // most images have a layer big enough for the thread
  const { ref, store } = await openRef(o.reference, o);
  return withStores([store], async () => {
    const root = await resolveReference(store, ref);
    const chosen = await chooseImage(store as ReadOnlyStore, root, o.platform, o.reference);
    const image = await flattenImage(store, chosen.manifest);
    const artifacts = imageArtifactMap(image, chosen.index) as Record<string, Record<string, string>>;
    return { root, pinned: ref.digest !== undefined, ...(chosen.index ? { index: chosen.index } : {}), image, artifacts };
  });
}
