import { CairnError } from '../errors.js';
import { fetchManifestNode, type ReadOnlyStore } from '../oci/index.js';
import type { Descriptor } from '../schema/index.js';
import { selectPlatform } from './platform.js';

// The one platform image a reference names, for the jobs that work on one image (listing its
// files, copying one platform): an image manifest is itself; an index needs a platform, and a
// platform given for a single image is refused when `strict` (copying it whole would not be
// what was asked) and otherwise ignored.

/** The manifest chosen, and the index it was chosen from. */
export interface ChosenImage {
  readonly manifest: Descriptor;
  readonly index?: Descriptor;
}

/** Chooses the image of `root` for `platform` (`os/arch[/variant]`); `where` names root in errors. */
export async function chooseImage(store: ReadOnlyStore, root: Descriptor, platform: string | undefined, where: string, strict = false): Promise<ChosenImage> {
  const node = await fetchManifestNode(store, root);
  if (node.kind !== 'index') {
    if (platform !== undefined && strict) {
      throw new CairnError('INVALID_ARGUMENT', `not a multi-platform index, so there is no platform ${platform} to choose`, { where, details: { reason: 'platform-not-needed' } });
    }
    return { manifest: root };
  }
  if (platform === undefined) {
    const list = node.index.manifests.filter((m) => m.platform).map((m) => [m.platform!.os, m.platform!.architecture, m.platform!.variant].filter(Boolean).join('/'));
    throw new CairnError('INVALID_ARGUMENT', `is a multi-platform index: choose a platform (${list.join(', ') || 'no platforms listed'})`, { where, details: { reason: 'platform-needed' } });
  }
  return { manifest: selectPlatform(node.index, platform), index: root };
}
