import { CairnError } from '../errors.js';
import { copyGraph, formatReference, resolveReference, type CopyEvent, type CopyResult } from '../oci/index.js';
import { chooseImage } from '../image/index.js';
import { openRef, withStores, type StoreAccess } from './access.js';

// An image with all its platforms (or one), and with `referrers` everything attached to it,
// recursively, between registries and OCI layout directories either way: the air-gap path.

export type { CopyEvent, CopyResult };

/** What copyImage copied, and where it is now. */
export interface CopiedImage extends CopyResult {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly destination: string;
  readonly tag: string | null;
}

/** Copies `source` to `destination` (created if missing), tagged as the destination or the source says. */
export async function copyImage(o: StoreAccess & { source: string; destination: string; referrers?: boolean; platform?: string; concurrency?: number; onEvent?: (e: CopyEvent) => void }): Promise<CopiedImage> {
  const src = await openRef(o.source, o);
  return withStores([src.store], async () => {
    const dst = await openRef(o.destination, o, true);
    return withStores([dst.store], async () => {
      let root = await resolveReference(src.store, src.ref);
      if (o.platform !== undefined) root = (await chooseImage(src.store, root, o.platform, formatReference(src.ref), true)).manifest;
      if (dst.ref.digest && dst.ref.digest !== root.digest) {
        throw new CairnError('INVALID_ARGUMENT', `destination digest ${dst.ref.digest} is not the source's ${root.digest}`, { where: formatReference(dst.ref) });
      }
      const result = await copyGraph(src.store, dst.store, root, { referrers: Boolean(o.referrers), concurrency: Math.max(1, o.concurrency ?? 4), ...(o.onEvent ? { onEvent: o.onEvent } : {}) });
      const tag = dst.ref.tag ?? src.ref.tag;
      if (tag) await dst.store.tag(root, tag);
      return { digest: root.digest, mediaType: root.mediaType, size: root.size, destination: dst.store.location, tag: tag ?? null, ...result };
    });
  });
}
